// The messages that cross between the extension and its panels. Both directions are plain
// JSON. Messages from a panel are untrusted input to the extension (a webview runs web
// content), so `parsePanelMessage` checks every field before the extension acts on one.

import type { SeriesSet, RunSummary } from './status';
import type { EvaluationData } from './evaluation';
import type { PruneData } from './prune';
import type { DetectionEvaluation, DetectionSeries } from './detection';
import type { InferenceData } from './inference';

export type PageName = 'training' | 'evaluation' | 'pruning' | 'runs' | 'inference';

export interface TrainingRun {
  name: string;
  folder: string;
  epochs: SeriesSet;
  steps: SeriesSet;
  summary: RunSummary;
  badLines: number;
  /** mAP and AP per class over training, for detection runs. */
  detection?: DetectionSeries;
}

export interface CompareRun {
  name: string;
  folder: string;
  epochs: SeriesSet;
  summary: RunSummary;
  detection?: DetectionSeries;
}

/** Extension -> panel. */
export type HostMessage =
  | { type: 'training'; run: TrainingRun }
  | { type: 'evaluation'; name: string; data: EvaluationData }
  /** A detection evaluation, with mAP over the training that made the model when it was found. */
  | { type: 'detectionEvaluation'; name: string; data: DetectionEvaluation; training?: DetectionSeries }
  | { type: 'pruning'; name: string; data: PruneData }
  | { type: 'runs'; runs: CompareRun[] }
  | { type: 'inference'; name: string; data: InferenceData }
  /** Answer to `requestImages`: webview URIs of the images the host agreed to serve. */
  | { type: 'imageUris'; images: { path: string; uri: string }[] }
  | { type: 'empty'; message: string };

/** What a panel reports after drawing; the extension keeps it for tests and diagnostics. */
export interface RenderInfo {
  charts: number;
  series: number;
  points: number;
  /** The training page: the backend its header shows, when the run recorded one. */
  backend?: string;
}

/** Panel -> extension. */
export type PanelMessage =
  | { type: 'ready'; page: PageName }
  | { type: 'rendered'; page: PageName; info: RenderInfo }
  | { type: 'openImages'; paths: string[] }
  | { type: 'revealPath'; path: string }
  | { type: 'addRun' }
  /** Thumbnails the page is about to show; the host answers with `imageUris`. */
  | { type: 'requestImages'; paths: string[] };

const PAGES: readonly string[] = ['training', 'evaluation', 'pruning', 'runs', 'inference'];
/** Opening hundreds of editors from one click is never what the user meant. */
export const MAX_OPEN_IMAGES = 50;
/** A screenful of thumbnails with room to spare; a page asks again as it scrolls. */
export const MAX_IMAGE_REQUEST = 200;

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 1e9;
}

function isPathString(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length < 4096 && !v.includes('\0');
}

/** Returns the message when every field has the expected type and range, else undefined. */
export function parsePanelMessage(raw: unknown): PanelMessage | undefined {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const m = raw as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
      return typeof m.page === 'string' && PAGES.includes(m.page) ? { type: 'ready', page: m.page as PageName } : undefined;
    case 'rendered': {
      if (typeof m.page !== 'string' || !PAGES.includes(m.page)) return undefined;
      const info = m.info as Record<string, unknown> | null;
      if (!info || typeof info !== 'object' || !isCount(info.charts) || !isCount(info.series) || !isCount(info.points)) return undefined;
      const rendered: RenderInfo = { charts: info.charts, series: info.series, points: info.points };
      if (typeof info.backend === 'string' && info.backend.length <= 200) rendered.backend = info.backend;
      return { type: 'rendered', page: m.page as PageName, info: rendered };
    }
    case 'openImages':
      if (!Array.isArray(m.paths) || m.paths.length === 0 || m.paths.length > MAX_OPEN_IMAGES || !m.paths.every(isPathString)) return undefined;
      return { type: 'openImages', paths: [...m.paths] as string[] };
    case 'revealPath':
      return isPathString(m.path) ? { type: 'revealPath', path: m.path } : undefined;
    case 'addRun':
      return { type: 'addRun' };
    case 'requestImages':
      if (!Array.isArray(m.paths) || m.paths.length === 0 || m.paths.length > MAX_IMAGE_REQUEST || !m.paths.every(isPathString)) return undefined;
      return { type: 'requestImages', paths: [...m.paths] as string[] };
    default:
      return undefined;
  }
}
