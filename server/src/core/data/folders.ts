// Folder summaries the checks share, each cached under the folder's modification time.
import type { DataScope, Work } from './context';
import { count, extensionOf, joinPath, stemOf } from './context';
import { isImageName, looksLikeImage } from './files';

export interface LabelFolder {
  /** Class name as written in the labels -> objects, files, and one file that has it. */
  classes: Record<string, { objects: number; files: number; example: string }>;
  filesRead: number;
  /** More entries than the limit: only the first ones were read. */
  sampled: boolean;
  /** Label file stems, when the listing was complete (to pair images with labels). */
  stems?: string[];
}

/** Class names of a KITTI label folder: the first word of each line of each `.txt` file. */
export function* readLabelFolder(scope: DataScope, dir: string): Work<LabelFolder | undefined> {
  return yield* scope.cached('kitti-labels', dir, function* (stat) {
    if (!stat.isDirectory) return undefined;
    const listed = yield* scope.list(dir, scope.limits.labelFiles);
    if (!listed) return undefined;
    const names = listed.entries.filter((e) => !e.isDirectory && e.name.endsWith('.txt')).map((e) => e.name);
    const result: LabelFolder = { classes: {}, filesRead: 0, sampled: !listed.complete };
    for (const name of names) {
      const text = yield* scope.readText(joinPath(dir, name));
      if (text === undefined) continue;
      result.filesRead++;
      const inFile = new Set<string>();
      for (const line of text.split('\n')) {
        const first = line.trim().split(/\s+/, 1)[0];
        if (!first) continue;
        const entry = (result.classes[first] ??= { objects: 0, files: 0, example: name });
        entry.objects++;
        if (!inFile.has(first)) {
          inFile.add(first);
          entry.files++;
        }
      }
    }
    if (listed.complete) result.stems = names.map(stemOf);
    return result;
  });
}

export interface ImageFolder {
  entries: number;
  /** Extension as written (case kept) -> files. */
  extensions: Record<string, number>;
  images: number;
  sampled: boolean;
  /** Stems of the image files listed (at most the listing limit). */
  stems: string[];
  /** One image file name per extension, for messages. */
  examples: Record<string, string>;
}

export function* readImageFolder(scope: DataScope, dir: string): Work<ImageFolder | undefined> {
  return yield* scope.cached('images', dir, function* (stat) {
    if (!stat.isDirectory) return undefined;
    const listed = yield* scope.list(dir, scope.limits.imageEntries);
    if (!listed) return undefined;
    const result: ImageFolder = { entries: listed.entries.length, extensions: {}, images: 0, sampled: !listed.complete, stems: [], examples: {} };
    for (const e of listed.entries) {
      if (e.isDirectory || !isImageName(e.name)) continue;
      const ext = extensionOf(e.name);
      result.extensions[ext] = (result.extensions[ext] ?? 0) + 1;
      result.examples[ext] ??= e.name;
      result.images++;
      result.stems.push(stemOf(e.name));
    }
    return result;
  });
}

export interface ClassFolder {
  name: string;
  entries: number;
  images: number;
  /** Whether one of the first images starts like an image file; undefined when none was tried. */
  readable?: boolean;
}

export interface ClassFolders {
  classes: ClassFolder[];
  /** Files directly in the split folder (images there belong to no class). */
  looseFiles: number;
  sampled: boolean;
}

/** A classification split: one subfolder per class, each looked into briefly. */
export function* readClassFolders(scope: DataScope, dir: string): Work<ClassFolders | undefined> {
  return yield* scope.cached('classes', dir, function* (stat) {
    if (!stat.isDirectory) return undefined;
    const listed = yield* scope.list(dir, scope.limits.classFolders);
    if (!listed) return undefined;
    const result: ClassFolders = { classes: [], looseFiles: 0, sampled: !listed.complete };
    for (const e of listed.entries) {
      if (e.name.startsWith('.')) continue;
      if (!e.isDirectory) {
        result.looseFiles++;
        continue;
      }
      const folder = joinPath(dir, e.name);
      const inner = yield* scope.list(folder, scope.limits.entriesPerClass);
      const entries = inner?.entries.filter((x) => !x.name.startsWith('.')) ?? [];
      const images = entries.filter((x) => !x.isDirectory && isImageName(x.name));
      const cls: ClassFolder = { name: e.name, entries: entries.length, images: images.length };
      for (const image of images.slice(0, 3)) {
        const head = yield* scope.readBytes(joinPath(folder, image.name), 0, 16);
        const ok = !!head && looksLikeImage(head);
        cls.readable = cls.readable || ok;
        if (ok) break;
      }
      result.classes.push(cls);
    }
    result.classes.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return result;
  });
}

/** The note a sampled folder gets, once per folder. */
export function sampledNote(scope: DataScope, span: { start: number; end: number }, what: string, limit: number): void {
  scope.report('information', 'data-sampled', span, `This folder has more than ${count(limit)} entries; the data checks read only the first ${count(limit)} ${what}, so their findings for it come from that sample.`);
}
