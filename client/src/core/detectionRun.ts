// What the detection panels show, read from results folders: a detection evaluation (our
// evaluation.json, or the kpis TAO's evaluate leaves in status.json) with the mAP curve of the
// training next door, and an inference output folder (labels/ + images_annotated/, the
// layout both our engine and TAO's detectnet_v2 inference write). Plain Node, no VS Code.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { findRunFiles } from './runFolder';
import { readJson, readText } from './runData';
import { IMAGE_EXT } from './imageRequests';
import { parseStatus } from '../../../webviews/src/model/status';
import { detectionSeries, evaluationFromKpi, normalizeDetectionEvaluation, type DetectionEvaluation, type DetectionSeries } from '../../../webviews/src/model/detection';
import { classesOf, parseKittiLabels, type InferenceData, type InferenceImage } from '../../../webviews/src/model/inference';

function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/** The detection series of a status.json, when it has one. */
export function detectionOfStatus(file: string): DetectionSeries | undefined {
  const text = readText(file);
  return text === undefined ? undefined : detectionSeries(parseStatus(text).records);
}

/** evaluation.json files (ours) a folder holds at its top or one level down. */
function evaluationCandidates(folder: string): string[] {
  const direct = listDir(folder).filter((f) => f.endsWith('.json') && /eval|report|metrics/i.test(f)).map((f) => path.join(folder, f));
  const nested = listDir(folder)
    .map((d) => path.join(folder, d))
    .filter((d) => { try { return fs.statSync(d).isDirectory(); } catch { return false; } })
    .flatMap((d) => listDir(d).filter((f) => f === 'evaluation.json').map((f) => path.join(d, f)));
  return [...direct.sort(), ...nested.sort()];
}

/** The status.json of the training that made this folder's model: the folder's own, else `../train`. */
export function trainingStatusFor(folder: string): string | undefined {
  const candidates = [
    ...findRunFiles(folder).statusFiles.filter((s) => s.task === 'train').map((s) => s.path),
    path.join(path.dirname(folder), 'train', 'status.json'),
  ];
  return candidates.find((f) => (detectionOfStatus(f)?.x.length ?? 0) > 0);
}

export interface DetectionEvaluationRun {
  data: DetectionEvaluation;
  training: DetectionSeries | undefined;
}

/** A detection evaluation from a folder, or undefined when the folder holds none. */
export function detectionEvaluationData(folder: string): DetectionEvaluationRun | undefined {
  let data: DetectionEvaluation | undefined;
  for (const f of evaluationCandidates(folder)) {
    data = normalizeDetectionEvaluation(readJson(f));
    if (data) break;
  }
  if (!data) {
    // TAO's evaluate writes no report file: its kpis in status.json are all there is.
    for (const s of findRunFiles(folder).statusFiles) {
      const final = detectionOfStatus(s.path)?.final;
      if (final) { data = evaluationFromKpi(final); break; }
    }
  }
  if (!data) return undefined;
  const status = trainingStatusFor(folder);
  return { data, training: status ? detectionOfStatus(status) : undefined };
}

/** True for a folder laid out as detection inference writes it. */
export function isInferenceFolder(folder: string): boolean {
  return listDir(path.join(folder, 'labels')).some((f) => f.endsWith('.txt')) || listDir(path.join(folder, 'images_annotated')).some((f) => IMAGE_EXT.test(f));
}

const stem = (f: string): string => path.basename(f, path.extname(f));

/**
 * Every image of an inference output folder with its boxes. `imagesDir` is the folder
 * inference read (the boxes are drawn over those originals); without it, over TAO's overlays.
 */
export function inferenceData(folder: string, imagesDir?: string): InferenceData | undefined {
  const labelsDir = path.join(folder, 'labels');
  const overlayDir = path.join(folder, 'images_annotated');
  const labelFiles = listDir(labelsDir).filter((f) => f.endsWith('.txt')).sort();
  const overlays = new Map(listDir(overlayDir).filter((f) => IMAGE_EXT.test(f)).map((f) => [stem(f), path.join(overlayDir, f)]));
  const originals = new Map(imagesDir ? listDir(imagesDir).filter((f) => IMAGE_EXT.test(f)).map((f) => [stem(f), path.join(imagesDir, f)]) : []);
  const stems = labelFiles.length > 0 ? labelFiles.map(stem) : [...overlays.keys()].sort();
  if (stems.length === 0) return undefined;
  const images: InferenceImage[] = stems.map((s) => {
    const image = originals.get(s);
    const overlay = overlays.get(s);
    const text = labelFiles.length > 0 ? readText(path.join(labelsDir, `${s}.txt`)) ?? '' : '';
    return { name: path.basename(image ?? overlay ?? `${s}.txt`), image, overlay, boxes: parseKittiLabels(text) };
  });
  return {
    folder,
    images,
    classes: classesOf(images),
    labels: labelFiles.length > 0 ? labelsDir : undefined,
    scored: images.some((im) => im.boxes.some((b) => b.score !== undefined)),
  };
}

/** The image paths an inference page may ask for. */
export function inferenceImagePaths(data: InferenceData): Set<string> {
  const out = new Set<string>();
  for (const im of data.images) {
    if (im.image) out.add(im.image);
    if (im.overlay) out.add(im.overlay);
  }
  return out;
}
