// The server's stdio writer (one write per message) and the exit behaviour that comes with
// handing the library a reader and a writer instead of the raw streams.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { encodeFrame, FramedStreamWriter } from '../../server/src/lsp/stream-writer';
import { repoRoot } from '../support/run';

test('a frame carries the body length in bytes, not characters', () => {
  const message = { jsonrpc: '2.0', method: 'window/logMessage', params: { type: 3, message: 'résumé — ✓ 学习率' } };
  const frame = encodeFrame(message);
  const text = frame.toString('utf8');
  const match = /^Content-Length: (\d+)\r\n\r\n/.exec(text);
  assert.ok(match, text.slice(0, 40));
  const body = frame.subarray(Buffer.byteLength(match[0]));
  assert.equal(Number(match[1]), body.length);
  assert.notEqual(body.length, JSON.stringify(message).length, 'the sample must contain multi-byte characters');
  assert.deepEqual(JSON.parse(body.toString('utf8')), message);
});

test('each message reaches the stream in a single write, in order', async () => {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  const writer = new FramedStreamWriter(stream);
  await writer.write({ jsonrpc: '2.0', method: 'a' } as never);
  await writer.write({ jsonrpc: '2.0', method: 'b' } as never);
  assert.equal(chunks.length, 2);
  assert.match(chunks[0].toString(), /^Content-Length: \d+\r\n\r\n\{"jsonrpc":"2.0","method":"a"\}$/);
  assert.match(chunks[1].toString(), /"method":"b"/);
});

test('a message that cannot be serialised is reported and the writer keeps working', async () => {
  const stream = new PassThrough();
  const writer = new FramedStreamWriter(stream);
  const errors: unknown[] = [];
  writer.onError((e) => errors.push(e));
  const cyclic: Record<string, unknown> = { jsonrpc: '2.0', method: 'x' };
  cyclic.self = cyclic;
  await assert.rejects(writer.write(cyclic as never));
  assert.equal(errors.length, 1);
  await writer.write({ jsonrpc: '2.0', method: 'after' } as never);
  assert.match(String(stream.read()), /"method":"after"/);
});

/** Starts the bundled server over stdio, runs `drive` on its stdin, resolves with the exit code. */
function exitCodeAfter(drive: (stdin: NodeJS.WritableStream, stdout: NodeJS.ReadableStream) => void): Promise<number | null> {
  const proc = spawn(process.execPath, [resolve(repoRoot, 'dist/server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  proc.stdout!.resume();
  proc.stderr!.resume();
  const exited = new Promise<number | null>((done) => proc.once('exit', (code) => done(code)));
  drive(proc.stdin!, proc.stdout!);
  const timer = setTimeout(() => proc.kill(), 10_000);
  return exited.finally(() => clearTimeout(timer));
}

function frame(message: object): string {
  const body = JSON.stringify(message);
  return `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

test('the server exits with code 1 when the editor closes the pipe without a shutdown', async () => {
  const code = await exitCodeAfter((stdin) => stdin.end());
  assert.equal(code, 1);
});

test('the server exits with code 0 when the pipe closes after a shutdown request', async () => {
  const code = await exitCodeAfter((stdin, stdout) => {
    stdin.write(frame({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { processId: null, rootUri: null, capabilities: {} } }));
    stdin.write(frame({ jsonrpc: '2.0', method: 'initialized', params: {} }));
    stdin.write(frame({ jsonrpc: '2.0', id: 2, method: 'shutdown' }));
    // The pipe closes once the server has answered the shutdown (a fixed delay failed on a
    // loaded machine: the server had not read the request yet and rightly exited with 1).
    let seen = '';
    let closed = false;
    stdout.on('data', (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      if (!closed && /"id":\s*2\b/.test(seen)) {
        closed = true;
        stdin.end();
      }
    });
  });
  assert.equal(code, 0);
});
