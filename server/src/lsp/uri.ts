// Document URIs to the file paths the core works with.
import { fileURLToPath } from 'node:url';

/** Absolute path of a `file:` URI; undefined for other schemes (untitled, git, ...). */
export function filePathOf(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

/**
 * A name that tells the core the dialect family of a document without a file on disk:
 * the URI's last segment, with `.yaml` added when the client says the language is YAML.
 */
export function nameHintOf(uri: string, languageId: string): string {
  let name = uri.replace(/^[a-z][\w+.-]*:/i, '').split(/[\\/]/).pop() ?? '';
  try {
    name = decodeURIComponent(name);
  } catch {
    // keep the raw segment
  }
  if (/yaml/i.test(languageId) && !/\.ya?ml$/i.test(name)) name += '.yaml';
  return name || 'untitled';
}
