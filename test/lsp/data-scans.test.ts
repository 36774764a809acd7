// The server's scheduler for data checks (server/src/lsp/data-scans.ts): scans advance in
// slices between other work, a cancelled scan stops reading and never reports, a new version
// replaces the old scan, and a scan past its budget reports what it found with a note.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpec } from '../../server/src/core/parse';
import { DataScans } from '../../server/src/lsp/data-scans';
import type { DataScanResult } from '../../server/src/lsp/data-scans';
import { FakeFs, kittiLine } from '../support/datasets';

const spec = parseSpec(`dataset_config {
  data_sources {
    label_directory_path: "/data/label_2"
  }
  target_class_mapping {
    key: "car"
    value: "car"
  }
}
`, 'prototext');

function labels(n: number, cls = 'Car'): FakeFs {
  const fs = new FakeFs();
  for (let i = 0; i < n; i++) fs.file(`/data/label_2/${i}.txt`, kittiLine(cls));
  return fs;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function until(done: () => boolean, ms = 5000): Promise<void> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => (done() ? resolve() : Date.now() - t0 > ms ? reject(new Error('timed out')) : setTimeout(tick, 5));
    tick();
  });
}

test('a scan runs in slices and leaves the event loop free between them', async () => {
  const results: DataScanResult[] = [];
  const scans = new DataScans({ onDone: (r) => results.push(r), sliceMs: 1 });
  const fs = labels(3000);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 0);
  scans.start('file:///a', 1, 0, { spec, network: 'yolo_v4', filePath: '/w/a.txt', probe: fs });
  await until(() => results.length === 1);
  clearInterval(timer);
  assert.ok(ticks > 3, `timers ran ${ticks} times during the scan`);
  assert.equal(results[0].version, 1);
  assert.ok(results[0].diagnostics.some((d) => d.code === 'data-class-case'));
});

test('a cancelled scan stops reading and never reports; a newer version replaces an older one', async () => {
  const results: DataScanResult[] = [];
  const scans = new DataScans({ onDone: (r) => results.push(r), sliceMs: 1 });
  const fs = labels(4000);
  scans.start('file:///a', 1, 0, { spec, network: 'yolo_v4', filePath: '/w/a.txt', probe: fs });
  await sleep(5);
  scans.cancel('file:///a');
  const readsAtCancel = fs.reads;
  await sleep(100);
  assert.equal(fs.reads, readsAtCancel, 'no file is read after the cancel');
  assert.ok(readsAtCancel < 4000);
  assert.deepEqual(results, []);

  scans.start('file:///a', 2, 0, { spec, network: 'yolo_v4', filePath: '/w/a.txt', probe: fs });
  scans.start('file:///a', 3, 0, { spec, network: 'yolo_v4', filePath: '/w/a.txt', probe: fs });
  await until(() => results.length > 0);
  await sleep(50);
  assert.deepEqual((results as DataScanResult[]).map((r) => r.version), [3]);
});

test('a scan over its budget stops and reports a partial result', async () => {
  const results: DataScanResult[] = [];
  const scans = new DataScans({ onDone: (r) => results.push(r), sliceMs: 1, budgetMs: 20 });
  const fs = labels(3000);
  const slow = Object.assign(Object.create(Object.getPrototypeOf(fs)), fs) as FakeFs;
  slow.readText = (path: string) => {
    const t = Date.now();
    while (Date.now() - t < 1) {
      // a slow network drive
    }
    return fs.readText(path);
  };
  scans.start('file:///a', 1, 0, { spec, network: 'yolo_v4', filePath: '/w/a.txt', probe: slow });
  await until(() => results.length === 1);
  assert.ok(results[0].diagnostics.some((d) => d.code === 'data-partial'));
  assert.ok(fs.reads < 3000);
});

test('a scan answered within the first slice is returned at once (cached folders)', () => {
  const scans = new DataScans({ onDone: () => assert.fail('no background report expected') });
  const fs = labels(3);
  const found = scans.start('file:///a', 1, 0, { spec, network: 'yolo_v4', filePath: '/w/a.txt', probe: fs }, 1000);
  assert.ok(found?.some((d) => d.code === 'data-class-case'));
  assert.equal(scans.running('file:///a'), false);
});
