/** One name of a folder page, its latest version up to the job. */
export interface FolderEntry {
  readonly name: string;
  readonly kind: 'file' | 'dir' | 'symlink' | 'deleted';
  readonly size: number;
  readonly mtimeNs: string;
  readonly job: string;
  readonly target: string | null;
  readonly versions: number;
  /** A piece of a file split across tapes: where it starts in the file, and the whole file's size. */
  readonly fileOffset: number | null;
  readonly fileSize: number | null;
}

/** Where a page starts: at a position, just after a name, or just before one (then it ends there). */
export type PageStart = { readonly offset: number } | { readonly after: string } | { readonly before: string };

/** A folder one page at a time, as of a backup job (the web catalog's browse). */
export interface FolderPages {
  page(q: { readonly tape: string; readonly dir: string; readonly ordinal: number; readonly limit: number }, start: PageStart): FolderEntry[];
  /** How many names the folder shows as of the job (deleted ones left out). */
  count(q: { readonly tape: string; readonly dir: string; readonly ordinal: number }): number;
}
