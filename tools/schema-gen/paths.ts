// Marks string fields that hold filesystem inputs with `x-tao-path` (file, dir or any), so the
// editor offers path completion and the path rule checks existence. Decided from the key name;
// outputs (results, exports, logs) are left unmarked: TAO creates them, so they need not exist.
import type { SpecSchema } from '../../server/src/core/schema/types';
import { container, typesOf } from './schema-util';

const OUTPUT = /(^|_)(results?|outputs?|output_dir|save|saved|export|exported|log|logs|cache|dump|dest|target|out)(_|$)|^(checkpoint_dir|engine_file|trt_engine|onnx_file|cal_cache_file|output)$/;
const DIR = /(^|_)(dir|dirs|directory|directories|folder|root)(_path)?$|_dir_|^(image|label|data|img|ann)_?dir/;
const FILE = /(^|_)(file|files|json|csv|txt)(_path)?$|(^|_)(model|checkpoint|weights|ckpt|pretrained_model|pretrained_backbone|pretrained_weights|engine|onnx|label_map|mapping|classmap|calib(ration)?)(_file)?_?path$/;
const ANY = /(^|_)paths?$|_path_/;

/** Names relative to another folder (`image_dir_name`) and folders TAO writes to. */
const NOT_A_PATH = /_names?$|^(vis|wandb|dld_model)_dir/;

export function pathKind(key: string): 'file' | 'dir' | 'any' | undefined {
  if (OUTPUT.test(key) || NOT_A_PATH.test(key)) return undefined;
  if (DIR.test(key)) return 'dir';
  if (FILE.test(key)) return 'file';
  if (ANY.test(key)) return 'any';
  return undefined;
}

/** Walks the tree and marks path fields; returns how many were marked. */
export function markPaths(root: SpecSchema): number {
  let n = 0;
  const walk = (s: SpecSchema) => {
    for (const [k, v] of Object.entries(container(s).properties ?? {})) {
      const types = typesOf(v);
      const elem = types.includes('array') && v.items ? typesOf(v.items) : [];
      const stringy = (types.includes('string') || elem.includes('string')) && !v.enum && !types.includes('object');
      const kind = stringy ? pathKind(k) : undefined;
      if (kind && !v['x-tao-path']) { v['x-tao-path'] = kind; n++; }
      walk(v);
    }
  };
  walk(root);
  return n;
}
