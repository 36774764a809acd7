// The server's settings (`tao.*`), read from whatever the client offers: pulled with
// workspace/configuration, pushed with didChangeConfiguration, or given once in
// initializationOptions. Every field has a default, so a bare client gets a working server.

export interface ServerSettings {
  /** `tao.version`: TAO version the specs target; undefined means the latest. */
  version?: string;
  /** `tao.files.networks`: glob -> network name. */
  fileNetworks: Record<string, string>;
  /** `tao.mountsFile`: TAO's mounts file (default ~/.tao_mounts.json). */
  mountsFile?: string;
  /** `tao.pathCheck`: warn about dataset/model paths missing on this machine. */
  pathCheck: boolean;
  /** `tao.dataCheck`: read the datasets a spec names (labels, class folders, COCO files) after the other checks. */
  dataCheck: boolean;
}

export const DEFAULT_SETTINGS: ServerSettings = { fileNetworks: {}, pathCheck: true, dataCheck: true };

/**
 * Accepts the `tao` section as VS Code nests it (`{ files: { networks } }`) or as flat
 * dotted keys (`{ "files.networks": ... }`) that some clients send; anything malformed is
 * ignored in favour of the default.
 */
export function readSettings(raw: unknown): ServerSettings {
  const out: ServerSettings = { ...DEFAULT_SETTINGS, fileNetworks: {} };
  if (!raw || typeof raw !== 'object') return out;
  const tao = raw as Record<string, unknown>;
  const version = tao.version;
  if (typeof version === 'string' && version.trim() && version !== 'latest') out.version = version.trim();
  const files = tao.files as Record<string, unknown> | undefined;
  const networks = (files && typeof files === 'object' ? files.networks : undefined) ?? tao['files.networks'];
  if (networks && typeof networks === 'object' && !Array.isArray(networks)) {
    for (const [glob, network] of Object.entries(networks as Record<string, unknown>)) {
      if (typeof network === 'string' && network) out.fileNetworks[glob] = network;
    }
  }
  if (typeof tao.mountsFile === 'string' && tao.mountsFile.trim()) out.mountsFile = tao.mountsFile.trim();
  if (typeof tao.pathCheck === 'boolean') out.pathCheck = tao.pathCheck;
  if (typeof tao.dataCheck === 'boolean') out.dataCheck = tao.dataCheck;
  return out;
}

/** A `tao` section inside a larger settings object (`{ tao: {...} }`), else the object itself. */
export function taoSection(raw: unknown): unknown {
  if (raw && typeof raw === 'object' && 'tao' in (raw as object)) return (raw as Record<string, unknown>).tao;
  return raw;
}
