// `npm run demo`: the whole local workflow in a few minutes on two cores:
// dataset -> offline augmentation -> training from our pretrained model -> evaluation ->
// inference. Uses Fashion-MNIST (all 10 classes; the pretrained model knew 5 of them, so
// this also shows adding classes) when Debian's dataset-fashion-mnist is installed, else a
// dataset the engine generates. Everything goes under .cache/demo/.
import { existsSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fashionMnistAvailable } from '../data/idx';
import { engine, repoRoot } from './run-cli';
import { classificationSpec } from './specs';

const root = join(repoRoot, '.cache', 'demo');
const pretrained = join(repoRoot, 'engine', 'pretrained', 'mobilenet_v2_fmnist_0-4');

function main(): void {
  rmSync(root, { recursive: true, force: true });
  const data = join(root, 'data');
  const results = join(root, 'results');
  const real = fashionMnistAvailable();
  process.stdout.write(`tao-engine demo: ${real ? 'Fashion-MNIST (Debian dataset-fashion-mnist), 10 classes' : 'generated dataset (install dataset-fashion-mnist for real data)'}\n`);

  // 1. Dataset in the folder-per-class layout.
  if (real) {
    engine(['classification_tf1', 'dataset_convert', '--format', 'idx', '-o', data, '-r', results, '--per-class', '60', '--val-per-class', '10', '--test-per-class', '100', '--quiet']);
  } else {
    engine(['classification_tf1', 'dataset_convert', '--format', 'synthetic', '-o', data, '-r', results, '--size', '28', '--channels', '1', '--num-classes', '5', '--per-class', '60', '--val-per-class', '10', '--test-per-class', '40', '--quiet']);
  }

  // 2. Offline augmentation: one flipped/cropped copy of every training image.
  const spec = join(root, 'spec.txt');
  const usePretrained = existsSync(join(pretrained, 'model.json'));
  const write = (train: string) =>
    writeFileSync(spec, classificationSpec({
      arch: 'mobilenet_v2', size: '1,28,28', train, val: join(data, 'val'), test: join(data, 'test'),
      pretrained: usePretrained ? pretrained : undefined, epochs: 2, batch: 32, lr: 0.001, flip: true,
    }));
  write(join(data, 'train'));
  const augmented = join(root, 'train-augmented');
  engine(['classification_tf1', 'augment', '-e', spec, '-r', results, '-o', augmented, '--copies', '1', '--ops', 'crop,flip', '--quiet']);

  // 3. Train on the augmented set, starting from the pretrained backbone.
  write(augmented);
  if (!usePretrained) process.stdout.write(`(no pretrained model at ${pretrained}; run \`npm run pretrain\` first — training from scratch)\n`);
  engine(['classification_tf1', 'train', '-e', spec, '-r', results]);

  // 4. Evaluate on the test split, 5. classify the test images.
  engine(['classification_tf1', 'evaluate', '-e', spec, '-r', results]);
  engine(['classification_tf1', 'inference', '-e', spec, '-r', results, '-m', join(results, 'weights', 'final'), '-i', join(data, 'test')]);

  const report = JSON.parse(readFileSync(join(results, 'evaluation.json'), 'utf8'));
  const lines = [
    '',
    'demo outputs:',
    `  dataset              ${data}/{train,val,test}/<class>/*.png`,
    `  augmented dataset    ${augmented}`,
    `  spec                 ${spec}`,
    `  checkpoints          ${join(results, 'weights')}/epoch_NNN/`,
    `  trained model        ${join(results, 'weights', 'final')}/model.json`,
    `  class map            ${join(results, 'classmap.json')}`,
    `  progress (TAO)       ${join(results, 'status.json')}`,
    `  per-epoch metrics    ${join(results, 'training.csv')}`,
    `  evaluation           ${join(results, 'evaluation.json')} and evaluation.txt (top-1 ${report.top1_accuracy.toFixed(4)})`,
    `  inference            ${join(results, 'result.csv')}`,
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

main();
