// Reads a TAO-style status.json (JSON lines, appended while a task runs) into plot-ready
// series. Used both by the extension (to post data to a panel) and by tests; it has no
// dependency on VS Code, the DOM, the engine or the server.
//
// Tolerance matters more than strictness here: the file grows while we read it, so the last
// line may be cut in half; NVIDIA's containers and our engine differ in which keys they write
// (`graphical` vs `kpi` vs top-level numbers, `cur_iter` vs `step`); and a crashed run may
// leave a garbage line. Bad lines are counted, never fatal.

/** One line of status.json after JSON.parse; only the keys we read are typed. */
export interface StatusRecord {
  date?: string;
  time?: string;
  status?: string;
  verbosity?: string;
  message?: string;
  epoch?: number;
  max_epoch?: number;
  step?: number;
  max_step?: number;
  time_per_epoch?: string;
  time_per_step?: string;
  eta?: string;
  graphical?: Record<string, unknown>;
  kpi?: Record<string, unknown>;
  categorical?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface SeriesSet {
  /** x values (epoch numbers, 1-based for display, or fractional epochs for steps). */
  x: number[];
  /** metric name -> y values aligned with x (null where that metric was not reported). */
  series: Record<string, (number | null)[]>;
}

export interface RunSummary {
  /** Last `status` seen (STARTED, RUNNING, SUCCESS, FAILURE, ...). */
  status: string | undefined;
  /** Last message line, for the header. */
  message: string | undefined;
  /** 1-based current epoch and total epochs, when the run reports them. */
  epoch: number | undefined;
  epochs: number | undefined;
  /** Seconds left, parsed from the last `eta`. */
  etaSeconds: number | undefined;
  secondsPerEpoch: number | undefined;
  backend: string | undefined;
  /** Best epoch (1-based) by the preferred validation metric, with that metric's name and value. */
  best: { epoch: number; metric: string; value: number; checkpoint?: string } | undefined;
  /** Headline numbers from the last record that had a `kpi` dict. */
  kpi: Record<string, number>;
  /** True once a terminal status (SUCCESS/FAILURE/SKIPPED) was seen or a run ended. */
  finished: boolean;
  started: string | undefined;
}

export interface ParsedRun {
  records: StatusRecord[];
  /** Lines that were not JSON objects (not counting a cut-off last line). */
  badLines: number;
  /** True when the final line had no newline and did not parse: probably still being written. */
  partialTail: boolean;
  epochs: SeriesSet;
  /** Sub-epoch points; empty when the run only reports once per epoch. */
  steps: SeriesSet;
  summary: RunSummary;
}

/** Keys that describe the record, not a metric, even though they are numbers. */
const STRUCTURAL = new Set([
  'epoch', 'max_epoch', 'step', 'max_step', 'cur_iter', 'max_iter', 'global_step', 'iteration',
  'time_per_epoch', 'time_per_step', 'time_per_iter', 'eta', 'date', 'time', 'status', 'verbosity',
  'message', 'graphical', 'kpi', 'categorical', 'pid', 'num_gpus', 'gpus', 'batch_size', 'mode',
]);

/** Splits text into records. `text` may end mid-line (the writer is still appending). */
export function parseStatusLines(text: string): { records: StatusRecord[]; badLines: number; partialTail: boolean } {
  const records: StatusRecord[] = [];
  let badLines = 0;
  let partialTail = false;
  const lines = text.split('\n');
  const endsWithNewline = text.endsWith('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const isLast = i === lines.length - 1 && !endsWithNewline;
    let value: unknown;
    try {
      // TAO's Python writer may emit NaN/Infinity, which JSON.parse rejects; map them to null.
      value = JSON.parse(line.replace(/\b(-?Infinity|NaN)\b/g, 'null'));
    } catch {
      if (isLast) partialTail = true;
      else badLines++;
      continue;
    }
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) records.push(value as StatusRecord);
    else badLines++;
  }
  return { records, badLines, partialTail };
}

/** Python timedelta text (`0:01:23.45`, `2 days, 3:04:05`) or a number of seconds -> seconds. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = /^\s*(?:(\d+)\s+days?,\s*)?(\d+):(\d{1,2}):(\d{1,2}(?:\.\d+)?)\s*$/.exec(value);
  if (m) return Number(m[1] ?? 0) * 86400 + Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]);
  const n = Number(value);
  return value.trim() !== '' && Number.isFinite(n) ? n : undefined;
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

/** Metric values carried by one record: graphical first, then kpi, then top-level numbers. */
export function recordMetrics(r: StatusRecord): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(r)) {
    if (STRUCTURAL.has(k)) continue;
    const n = typeof v === 'number' && Number.isFinite(v) ? v : undefined;
    if (n !== undefined) out[normalizeMetricName(k)] = n;
  }
  for (const dict of [r.kpi, r.graphical]) {
    if (!dict || typeof dict !== 'object') continue;
    for (const [k, v] of Object.entries(dict)) {
      const n = num(v);
      if (n !== undefined) out[normalizeMetricName(k)] = n;
    }
  }
  return out;
}

/** Different writers spell the same curve differently; fold the common aliases together. */
export function normalizeMetricName(name: string): string {
  const k = name.trim().toLowerCase();
  const aliases: Record<string, string> = {
    lr: 'learning_rate', learningrate: 'learning_rate', acc: 'accuracy', train_acc: 'accuracy',
    train_accuracy: 'accuracy', train_loss: 'loss', val_acc: 'val_accuracy', validation_accuracy: 'val_accuracy',
    validation_loss: 'val_loss',
  };
  return aliases[k] ?? k;
}

function epochOf(r: StatusRecord): number | undefined {
  return num(r.epoch) ?? num(r.cur_epoch);
}

function stepOf(r: StatusRecord): number | undefined {
  return num(r.step) ?? num(r.cur_iter) ?? num(r.global_step);
}

function findString(r: StatusRecord, key: string): string | undefined {
  for (const dict of [r, r.categorical, r.kpi, r.graphical]) {
    if (dict && typeof dict === 'object') {
      const v = (dict as Record<string, unknown>)[key];
      if (typeof v === 'string' && v !== '') return v;
    }
  }
  return undefined;
}

function toSeriesSet(points: Map<number, Record<string, number>>): SeriesSet {
  const xs = [...points.keys()].sort((a, b) => a - b);
  const names = new Set<string>();
  for (const p of points.values()) for (const k of Object.keys(p)) names.add(k);
  const series: Record<string, (number | null)[]> = {};
  for (const name of [...names].sort()) series[name] = xs.map((x) => points.get(x)?.[name] ?? null);
  return { x: xs, series };
}

/** Validation metrics are preferred for "best"; accuracy-like metrics go up, losses go down. */
export function pickBest(epochs: SeriesSet): RunSummary['best'] {
  const order = ['val_accuracy', 'val_top_k_accuracy', 'val_acc', 'val_loss', 'accuracy', 'loss'];
  for (const metric of order) {
    const ys = epochs.series[metric];
    if (!ys) continue;
    const higherIsBetter = !metric.includes('loss');
    let bestIdx = -1;
    for (let i = 0; i < ys.length; i++) {
      const y = ys[i];
      if (y === null) continue;
      const cur = bestIdx < 0 ? null : ys[bestIdx];
      if (cur === null || (higherIsBetter ? y > cur : y < cur)) bestIdx = i;
    }
    if (bestIdx >= 0) return { epoch: epochs.x[bestIdx], metric, value: ys[bestIdx] as number };
  }
  return undefined;
}

/** Parses a whole status.json text into series and a summary for the training panel. */
export function parseStatus(text: string): ParsedRun {
  const { records, badLines, partialTail } = parseStatusLines(text);
  const epochPoints = new Map<number, Record<string, number>>();
  const stepPoints = new Map<number, Record<string, number>>();
  const summary: RunSummary = {
    status: undefined, message: undefined, epoch: undefined, epochs: undefined, etaSeconds: undefined,
    secondsPerEpoch: undefined, backend: undefined, best: undefined, kpi: {}, finished: false, started: undefined,
  };
  const stepCandidates: { epoch: number; step: number; maxStep: number; maxEpoch: number | undefined; metrics: Record<string, number> }[] = [];
  for (const r of records) {
    if (typeof r.status === 'string') summary.status = r.status.toUpperCase();
    if (typeof r.message === 'string' && r.message !== '') summary.message = r.message;
    if (summary.started === undefined && (r.date || r.time)) summary.started = `${r.date ?? ''} ${r.time ?? ''}`.trim();
    const backend = findString(r, 'backend');
    if (backend) summary.backend = backend;
    const maxEpoch = num(r.max_epoch);
    if (maxEpoch !== undefined) summary.epochs = maxEpoch + 1;
    const numEpochs = num(r.num_epochs) ?? num(r.n_epochs);
    if (numEpochs !== undefined) summary.epochs = numEpochs;
    const eta = parseDuration(r.eta);
    if (eta !== undefined) summary.etaSeconds = eta;
    const tpe = parseDuration(r.time_per_epoch);
    if (tpe !== undefined) summary.secondsPerEpoch = tpe;
    if (r.kpi && typeof r.kpi === 'object') {
      for (const [k, v] of Object.entries(r.kpi)) {
        const n = num(v);
        if (n !== undefined) summary.kpi[normalizeMetricName(k)] = n;
      }
    }
    const metrics = recordMetrics(r);
    const epoch = epochOf(r);
    if (epoch !== undefined) summary.epoch = epoch + 1;
    if (Object.keys(metrics).length === 0 || epoch === undefined) continue;
    // Records for the same epoch merge, later values win: a writer may send the training
    // metrics first and the validation metrics in a second record for that epoch.
    const x = epoch + 1;
    epochPoints.set(x, { ...(epochPoints.get(x) ?? {}), ...metrics });
    const step = stepOf(r);
    const maxStep = num(r.max_step) ?? num(r.max_iter);
    if (step !== undefined && maxStep !== undefined && maxStep > 0) stepCandidates.push({ epoch, step, maxStep, maxEpoch: num(r.max_epoch), metrics });
  }
  // Writers count steps two ways: from 0 in every epoch (`max_step` = steps per epoch), or
  // across the whole run (`max_step` = all steps). Whole-run counts never fall back and stay
  // within each epoch's share of `max_step`; anything else is read as per-epoch counting.
  const share = (c: (typeof stepCandidates)[number]): number | undefined => (c.maxEpoch !== undefined ? c.maxStep / (c.maxEpoch + 1) : undefined);
  let wholeRun = stepCandidates.some((c) => c.epoch > 0);
  for (let i = 0; i < stepCandidates.length && wholeRun; i++) {
    const c = stepCandidates[i];
    const per = share(c);
    if (per === undefined || c.step > (c.epoch + 1) * per + 1) wholeRun = false;
    if (i > 0 && c.step < stepCandidates[i - 1].step) wholeRun = false;
  }
  for (const c of stepCandidates) {
    const per = share(c);
    if (wholeRun && per) stepPoints.set(c.step / per, c.metrics);
    else if (!wholeRun && c.step < c.maxStep) stepPoints.set(c.epoch + (c.step + 1) / c.maxStep, c.metrics);
  }
  const epochs = toSeriesSet(epochPoints);
  // Only a run that reports inside epochs gets a step view; one record per epoch is the epoch view.
  const steps = stepPoints.size > epochPoints.size ? toSeriesSet(stepPoints) : { x: [], series: {} };
  summary.best = pickBest(epochs);
  summary.finished = ['SUCCESS', 'FAILURE', 'SKIPPED', 'DONE', 'COMPLETED'].includes(summary.status ?? '');
  if (summary.finished) summary.etaSeconds = 0;
  return { records, badLines, partialTail, epochs, steps, summary };
}

/** `1h 02m`, `3m 05s`, `42s`: short enough for a header badge. */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}
