import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyHunks, lineHunks } from '../../server/src/core/services/line-diff';

test('hunks cover only changed lines and rebuild the new text', () => {
  const a = 'a\nb\nc\nd\ne\n';
  const b = 'a\nB\nc\nd\ne\nf\n';
  const hunks = lineHunks(a, b);
  assert.deepEqual(hunks, [
    { start: 1, end: 2, lines: ['B\n'] },
    { start: 5, end: 5, lines: ['f\n'] },
  ]);
  assert.equal(applyHunks(a, hunks), b);
  assert.deepEqual(lineHunks(a, a), []);
});

test('random texts round-trip (seeded)', () => {
  let seed = 11;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const text = () => Array.from({ length: Math.floor(rnd() * 14) }, () => `l${Math.floor(rnd() * 4)}${rnd() < 0.1 ? '' : '\n'}`).join('');
  for (let i = 0; i < 2000; i++) {
    const a = text();
    const b = text();
    assert.equal(applyHunks(a, lineHunks(a, b)), b, JSON.stringify([a, b]));
  }
});

test('very different texts fall back to one replacement', () => {
  const a = Array.from({ length: 3000 }, (_, i) => `a${i}\n`).join('');
  const b = Array.from({ length: 3000 }, (_, i) => `b${i}\n`).join('');
  const hunks = lineHunks(a, b);
  assert.equal(hunks.length, 1);
  assert.equal(applyHunks(a, hunks), b);
});
