// One run's state for the Runs tree, from its status.json: running (epoch x/y), success,
// failure or stopped, the best KPI and how long it ran. Our engine and NVIDIA's containers
// write the same JSON-lines format (webviews/src/model/status.ts reads both); what neither
// writes is "this process is still alive", so a run without a final line counts as running
// only while its file keeps changing, or while the extension knows its process is alive.

import { parseStatus, formatDuration } from '../../../webviews/src/model/status';
import { detectionSeries } from '../../../webviews/src/model/detection';

export type RunState = 'running' | 'success' | 'failure' | 'stopped';

export interface RunStatusInfo {
  state: RunState;
  /** 1-based epoch reached and the total, when the run reports epochs. */
  epoch: number | undefined;
  epochs: number | undefined;
  /** The best validation metric (training) or the headline KPI (evaluate and the others). */
  best: { metric: string; value: number; epoch?: number } | undefined;
  /** Seconds from the first to the last line (to now while running). */
  durationSeconds: number | undefined;
  message: string | undefined;
  backend: string | undefined;
}

export interface SummarizeOptions {
  /** When the file was last written (ms since the epoch). */
  mtimeMs: number;
  now: number;
  /** The extension started this run and its process has not ended. */
  live?: boolean;
}

/** A run quiet for this long without a final line is taken for dead (killed, machine rebooted). */
export const STALE_MS = 10 * 60 * 1000;

/** TAO's `date` ("m/d/yyyy") and `time` ("h:m:s", no zero padding), local time, to ms. */
export function statusTime(date: unknown, time: unknown): number | undefined {
  if (typeof date !== 'string' || typeof time !== 'string') return undefined;
  const d = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(date.trim());
  const t = /^(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d+)?$/.exec(time.trim());
  if (!d || !t) return undefined;
  const ms = new Date(Number(d[3]), Number(d[1]) - 1, Number(d[2]), Number(t[1]), Number(t[2]), Number(t[3])).getTime();
  return Number.isFinite(ms) ? ms : undefined;
}

const STOPPED_MESSAGE = /interrupt|cancel|stopp|killed|sigint|sigterm/i;
/** KPIs worth a tree item's space, most telling first. */
const HEADLINE = ['val_accuracy', 'mAP', 'map', 'accuracy', 'top1_accuracy', 'top_1_accuracy', 'accuracy_after', 'params_after', 'val_loss', 'loss'];

/** Names that read as a model's quality or size; dataset_convert's image counts do not. */
const METRIC_LIKE = /acc|loss|map|ap\b|precision|recall|f1|iou|params|size/i;

function headlineKpi(kpi: Record<string, number>): RunStatusInfo['best'] {
  for (const k of HEADLINE) if (kpi[k] !== undefined) return { metric: k, value: kpi[k] };
  const first = Object.entries(kpi).find(([k]) => METRIC_LIKE.test(k));
  return first ? { metric: first[0], value: first[1] } : undefined;
}

export function summarizeStatus(text: string, opts: SummarizeOptions): RunStatusInfo {
  const parsed = parseStatus(text);
  const s = parsed.summary;
  const records = parsed.records;
  let state: RunState;
  if (['SUCCESS', 'DONE', 'COMPLETED'].includes(s.status ?? '')) state = 'success';
  else if (s.status === 'FAILURE' || s.status === 'ERROR') state = STOPPED_MESSAGE.test(s.message ?? '') ? 'stopped' : 'failure';
  else if (s.status === 'SKIPPED') state = 'stopped';
  else {
    // Epochs can be long: a run is quiet for up to one epoch between lines.
    const quiet = Math.max(STALE_MS, 3 * 1000 * (s.secondsPerEpoch ?? 0));
    state = opts.live || opts.now - opts.mtimeMs < quiet ? 'running' : 'stopped';
  }
  let best: RunStatusInfo['best'] = s.best ? { metric: s.best.metric, value: s.best.value, epoch: s.best.epoch } : undefined;
  const detection = detectionSeries(records);
  if (detection?.best) best = { metric: 'mAP', value: detection.best.mAP, epoch: detection.best.epoch };
  else if (!best && detection?.final?.mAP !== undefined) best = { metric: 'mAP', value: detection.final.mAP };
  if (!best) best = headlineKpi(s.kpi);
  const times = records.map((r) => statusTime(r.date, r.time)).filter((t): t is number => t !== undefined);
  let duration: number | undefined;
  if (times.length > 0) {
    const end = state === 'running' ? Math.max(opts.now, times[times.length - 1]) : times[times.length - 1];
    duration = Math.max(0, (end - times[0]) / 1000);
  }
  return { state, epoch: s.epoch, epochs: s.epochs, best, durationSeconds: duration, message: s.message, backend: s.backend };
}

/** The tree item's description: "epoch 3/10 · val_accuracy 0.912 · 4m 10s". */
export function describeRun(info: RunStatusInfo): string {
  const parts: string[] = [];
  if (info.state === 'running') parts.push(info.epoch !== undefined ? `epoch ${info.epoch}/${info.epochs ?? '?'}` : 'running');
  else if (info.state !== 'success') parts.push(info.state);
  if (info.best) parts.push(`${info.best.metric} ${formatNumber(info.best.value)}`);
  if (info.durationSeconds !== undefined) parts.push(formatDuration(info.durationSeconds));
  return parts.join(' · ');
}

export function formatNumber(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  // Parameter counts and sizes: 4.91M, 12.3K.
  if (a >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (a >= 1e4) return `${Number((v / 1e3).toPrecision(3))}K`;
  return a < 0.001 ? v.toExponential(2) : Number(v.toPrecision(4)).toString();
}
