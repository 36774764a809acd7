// `npm run bench:sidebar [-- --quick] [-- --json]`: what the TAO side bar's Runs tree costs with
// 1,000 runs in the workspace (issue 17's goal: a refresh after a status.json append under
// 200 ms). Measures the extension's own work on real files, with the modules the tree calls
// (client/src/core/runIndex.ts, runStatus.ts, models.ts): the first listing, the first drawing
// of every group (one status.json read each), and, per append, the index update plus the
// re-read and summary of the changed run. The tree adds its debounce (RUNS_DEBOUNCE_MS) and
// VS Code's own drawing, which this bench cannot see; the e2e test sees the whole path.
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { RunIndex, findStatusFiles } from '../../client/src/core/runIndex';
import { findModels } from '../../client/src/core/models';
import { describeMachine, log, machineInfo, parseArgs, percentile, round, table } from '../common/util';

/** The Runs tree's debounce (client/src/views/runsTree.ts). */
const RUNS_DEBOUNCE_MS = 100;

function statusLine(epoch: number, epochs: number): string {
  return JSON.stringify({ date: '12/5/2026', time: `10:${epoch % 60}:0`, status: 'RUNNING', verbosity: 'INFO', message: 'Training loop in progress', epoch, max_epoch: epochs - 1, time_per_epoch: '0:00:40.1', eta: '0:10:00.0', graphical: { loss: 1 / (epoch + 1), accuracy: 0.5, val_loss: 1.1 / (epoch + 1), val_accuracy: 0.5 + epoch / 200, lr: 0.001 }, kpi: { val_accuracy: 0.5 + epoch / 200 } });
}

function main(): void {
  const args = parseArgs();
  const machine = machineInfo();
  const groups = 500;
  const epochs = 30;
  const appends = args.quick ? 20 : 100;
  const root = mkdtempSync(join(tmpdir(), 'bench-sidebar-'));
  try {
    // 500 specs' results, each with a 30-epoch train run (30 lines) and an evaluate run: 1,000 runs.
    const header = `${JSON.stringify({ date: '12/5/2026', time: '10:0:0', status: 'STARTED', verbosity: 'INFO', message: 'Starting Training Loop.' })}\n`;
    const trainText = header + Array.from({ length: epochs }, (_, e) => statusLine(e, epochs)).join('\n') + '\n';
    const trainFiles: string[] = [];
    for (let g = 0; g < groups; g++) {
      const base = join(root, 'specs', 'results', `spec_${String(g).padStart(4, '0')}`);
      mkdirSync(join(base, 'train', 'weights', 'final'), { recursive: true });
      mkdirSync(join(base, 'evaluate'), { recursive: true });
      writeFileSync(join(base, 'train', 'status.json'), trainText);
      writeFileSync(join(base, 'train', 'weights', 'final', 'model.json'), JSON.stringify({ weightsManifest: [{ weights: [{ shape: [3, 3, 3, 64] }, { shape: [64] }] }] }));
      writeFileSync(join(base, 'evaluate', 'status.json'), `${header}${JSON.stringify({ date: '12/5/2026', time: '10:1:0', status: 'SUCCESS', kpi: { accuracy: 0.9 } })}\n`);
      trainFiles.push(join(base, 'train', 'status.json'));
    }
    let t0 = performance.now();
    const files = findStatusFiles(root);
    const index = new RunIndex();
    for (const f of files) index.add(f);
    const listMs = performance.now() - t0;

    // First drawing: every group's item shows its training run's state (one read each).
    t0 = performance.now();
    const now = Date.now();
    for (const g of index.groupList()) {
      const train = index.runsOf(g.key).find((r) => r.task === 'train');
      if (train) index.status(train, now);
    }
    const firstDrawMs = performance.now() - t0;

    // Appends: what the watcher's change event costs the tree, run after run.
    const refresh: number[] = [];
    for (let i = 0; i < appends; i++) {
      const file = trainFiles[(i * 37) % trainFiles.length];
      appendFileSync(file, `${statusLine(epochs + i, epochs + appends)}\n`);
      const t = performance.now();
      const group = index.changed(file);
      const run = index.run(dirname(file));
      if (!group || !run) throw new Error(`run of ${file} not indexed`);
      index.status(run, Date.now());
      // The group item is redrawn as well (its icon is the training run's state).
      index.runsOf(group);
      refresh.push(performance.now() - t);
    }
    t0 = performance.now();
    const models = findModels(dirname(trainFiles[0]));
    const modelsMs = performance.now() - t0;
    const line = {
      bench: 'sidebar', runs: files.length, groups: index.groupCount,
      list_ms: round(listMs, 1), first_draw_ms: round(firstDrawMs, 1),
      append_refresh_ms_p50: round(percentile(refresh, 50)), append_refresh_ms_p95: round(percentile(refresh, 95)),
      debounce_ms: RUNS_DEBOUNCE_MS, models_of_group_ms: round(modelsMs), models: models.length, appends,
    };
    log(`sidebar: ${describeMachine(machine)}`);
    if (args.json) {
      process.stdout.write(JSON.stringify({ ...line, quick: args.quick, load: machine.load, date: machine.date }) + '\n');
      return;
    }
    process.stdout.write(table(['runs', 'find + index ms', 'first draw ms (500 reads)', 'append → item p50 ms', 'p95 ms', '+ debounce ms', 'models of a group ms'], [[line.runs, line.list_ms, line.first_draw_ms, line.append_refresh_ms_p50, line.append_refresh_ms_p95, line.debounce_ms, line.models_of_group_ms]]) + '\n');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

main();
