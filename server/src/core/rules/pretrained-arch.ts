// A pretrained Keras file for another backbone than the spec's (its layers say resnet 34, the
// spec builds resnet 18) is an error in the editor, before any training starts: TAO loads
// such a file by layer name, partly and silently. Needs a probe that can read a Keras file's
// layer names (`kerasLayerNames`); while its reader is still loading the rule says nothing and
// the caller re-checks once it is ready.
import { dirname } from 'node:path';
import type { SpecDiagnostic } from '../tree';
import { archMismatch, backboneLayerNames, isKerasFile } from './backbone-match';
import { textAt } from './helpers';
import { specBackbone } from './ngc-models';
import { contextMounts, locateOnMachine } from './paths';
import type { RuleContext } from './types';

export function pretrainedArchRule(ctx: RuleContext): SpecDiagnostic[] {
  const probe = ctx.probe;
  if (!probe?.kerasLayerNames) return [];
  const backbone = specBackbone(ctx.network, ctx.spec.root);
  if (!backbone?.arch) return [];
  const named = textAt(ctx.spec.root, backbone.key);
  if (!named || named.node.form === 'interpolation' || !isKerasFile(named.value.trim())) return [];
  const specLayers = backboneLayerNames(backbone.arch, backbone.layers, ctx.network);
  if (!specLayers) return [];
  const value = named.value.trim();
  const located = locateOnMachine(value, ctx.filePath ? dirname(ctx.filePath) : undefined, contextMounts(ctx, probe), probe);
  if (!located) return [];
  const fileLayers = probe.kerasLayerNames(located);
  if (!Array.isArray(fileLayers)) return [];
  const why = archMismatch({ network: ctx.network, specKey: backbone.key.split('.').pop() ?? backbone.key, file: value, fileLayers, specLayers, arch: backbone.arch, nLayers: backbone.layers ?? 0 });
  return why ? [{ severity: 'error', code: 'pretrained-architecture', message: why, span: named.node.span }] : [];
}
