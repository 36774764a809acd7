// Which rules run for which network. Common rules run for every network.
import type { SpecDiagnostic } from '../tree';
import { classificationTf1Rules } from './classification-tf1';
import { detectnetV2Rules } from './detectnet-v2';
import { fasterRcnnRules } from './faster-rcnn';
import { interpolationRule } from './interpolation';
import { ssdRules, yoloV3Rules, yoloV4Rules } from './kitti-detectors';
import { pathRule } from './paths';
import { pretrainedArchRule } from './pretrained-arch';
import type { Rule, RuleContext } from './types';

const COMMON_RULES: Rule[] = [interpolationRule, pathRule, pretrainedArchRule];

const NETWORK_RULES: Record<string, Rule[]> = {
  classification_tf1: [classificationTf1Rules],
  detectnet_v2: [detectnetV2Rules],
  faster_rcnn: [fasterRcnnRules],
  yolo_v3: [yoloV3Rules],
  yolo_v4: [yoloV4Rules],
  yolo_v4_tiny: [yoloV4Rules],
  ssd: [ssdRules],
  dssd: [ssdRules],
};

export function runRules(ctx: RuleContext): SpecDiagnostic[] {
  const rules = [...COMMON_RULES, ...(NETWORK_RULES[ctx.network] ?? [])];
  const out: SpecDiagnostic[] = [];
  for (const rule of rules) {
    try {
      out.push(...rule(ctx));
    } catch (error) {
      // A rule bug must never take the checker down; say so instead of failing silently.
      out.push({ severity: 'information', code: 'internal', message: `Internal check failed (${rule.name}): ${(error as Error).message}`, span: { start: 0, end: 0 } });
    }
  }
  return out;
}
