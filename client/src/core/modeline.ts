// The modeline is a comment on the first line, `# tao: network=NAME`, that pins a file to
// one network. Both spec dialects use `#` for comments, so one form serves YAML and
// protobuf text alike. The server reads it too; the client writes it (TAO: Select Network).

export const MODELINE_RE = /^\s*#\s*tao:\s*(.*)$/;

export interface Modeline {
  /** key=value pairs after `tao:` (network, version, ...). */
  fields: Record<string, string>;
}

/** Parses the first line of a document; undefined when it is not a modeline. */
export function parseModeline(firstLine: string): Modeline | undefined {
  const m = MODELINE_RE.exec(firstLine);
  if (!m) return undefined;
  const fields: Record<string, string> = {};
  for (const part of m[1].split(/[\s,;]+/)) {
    const eq = part.indexOf('=');
    if (eq > 0) fields[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return { fields };
}

/**
 * The edit that makes the document's first line say `network=NAME`: replaces the value in an
 * existing modeline (keeping its other fields), or inserts a new line above everything else.
 * Returned as line-based data so the caller can turn it into a VS Code edit.
 */
export function modelineEdit(firstLine: string, network: string): { replaceFirstLine: boolean; text: string } {
  const existing = parseModeline(firstLine);
  if (!existing) return { replaceFirstLine: false, text: `# tao: network=${network}\n` };
  const fields = { ...existing.fields, network };
  const rest = Object.entries(fields)
    .filter(([k]) => k !== 'network')
    .map(([k, v]) => ` ${k}=${v}`)
    .join('');
  return { replaceFirstLine: true, text: `# tao: network=${network}${rest}` };
}

/** Network names are schema file names: keep them to safe characters. */
export function isValidNetworkName(name: string): boolean {
  return /^[A-Za-z0-9_.-]{1,80}$/.test(name);
}
