// The schema catalogue the server (and each analysis worker) reads from.
import { FileSchemaCatalog, getDefaultCatalog, MemorySchemaCatalog } from '../core/schema/catalog';
import type { SchemaCatalog } from '../core/schema/catalog';

/** Schemas from an explicit folder, else the ones shipped with the server; never throws. */
export function openCatalog(dir: string | undefined, log: (message: string) => void): SchemaCatalog {
  try {
    if (dir) {
      const catalog = new FileSchemaCatalog(dir);
      catalog.index();
      return catalog;
    }
    return getDefaultCatalog();
  } catch (error) {
    log(`TAO schemas unavailable (${(error as Error)?.message ?? String(error)}); only syntax is checked.`);
    return new MemorySchemaCatalog({});
  }
}
