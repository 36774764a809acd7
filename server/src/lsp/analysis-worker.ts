// Entry point of an analysis worker (bundled into dist/analysis-worker.js): parses and
// validates documents for diagnostics off the server's main thread, one at a time, and
// answers with a DiagnosticsReport. It holds no state but the schema catalogue; which
// version is current, and whether a job is still wanted, is the pool's business.
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import type { AnalyzeRequest, WorkerMessage, WorkerStart } from './analysis-protocol';
import { openCatalog } from './catalog';
import { diagnosticsReport } from './diagnostics-report';
import { analyzeDocument } from './document-analysis';

const port = parentPort;
if (!port) throw new Error('analysis-worker.js runs only as a worker thread');

const post = (message: WorkerMessage): void => port.postMessage(message);
const log = (message: string): void => post({ kind: 'log', message });
const catalog = openCatalog((workerData as WorkerStart | undefined)?.schemasDir, log);

port.on('message', (request: AnalyzeRequest) => {
  const t0 = performance.now();
  const analysis = analyzeDocument(request, catalog, request.settings, log);
  const report = diagnosticsReport(analysis, request.text);
  post({ kind: 'done', job: request.job, ms: performance.now() - t0, report });
});
