// The walkthrough's sample project: a generated image dataset (the engine's `dataset_convert
// --format synthetic`, as `npm run demo` makes it on machines without Fashion-MNIST) and a
// classification_tf1 spec with the demo's recipe, sized to train in about a minute on the wasm
// backend. Plain data: the command that runs it lives in client/src/walkthrough.ts.

import * as path from 'node:path';
import { classificationSpec } from '../../../engine/src/tools/specs';

export interface SampleOptions {
  /** Folder the sample goes into (created). */
  folder: string;
  classes?: number;
  perClass?: number;
  size?: number;
  epochs?: number;
}

export interface SamplePlan {
  data: string;
  spec: string;
  /** tao-engine arguments that write the dataset. */
  engineArgs: string[];
  specText: string;
}

export function samplePlan(o: SampleOptions): SamplePlan {
  const data = path.join(o.folder, 'data');
  const size = o.size ?? 28;
  const perClass = o.perClass ?? 60;
  const engineArgs = [
    // Its status.json goes where the spec's own runs will (results/sample_spec/): one group in the Runs view.
    'classification_tf1', 'dataset_convert', '--format', 'synthetic', '-o', data, '-r', path.join(o.folder, 'specs', 'results', 'sample_spec', 'dataset_convert'),
    '--size', String(size), '--channels', '1', '--num-classes', String(o.classes ?? 5),
    '--per-class', String(perClass), '--val-per-class', String(Math.max(2, Math.round(perClass / 6))), '--test-per-class', String(Math.max(2, Math.round(perClass / 3))), '--quiet',
  ];
  const body = classificationSpec({
    arch: 'resnet', nLayers: 10, size: `1,${size},${size}`, train: path.join(data, 'train'), val: path.join(data, 'val'), test: path.join(data, 'test'),
    epochs: o.epochs ?? 2, batch: 16, lr: 0.002, flip: true,
  });
  // The modeline names the network, so detection needs no guess and the status bar shows it at once.
  const specText = `# tao: network=classification_tf1\n${body.replace(/^# Written by the tao-engine demo\/pretrain scripts\.\n/, '# The sample spec of the TAO walkthrough (the recipe of `npm run demo`).\n')}`;
  return { data, spec: path.join(o.folder, 'specs', 'sample_spec.txt'), engineArgs, specText };
}
