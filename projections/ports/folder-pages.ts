import type { BrowseRow } from './browse-queries';

/** One name of a folder page: a browse row of that folder (its latest version up to the job). */
export type FolderEntry = Omit<BrowseRow, 'dir'>;

/** Where a page starts: at a position, just after a name, or just before one (then it ends there). */
export type PageStart = { readonly offset: number } | { readonly after: string } | { readonly before: string };

/** A folder one page at a time, as of a backup job (the web catalog's browse). */
export interface FolderPages {
  page(q: { readonly tape: string; readonly dir: string; readonly ordinal: number; readonly limit: number }, start: PageStart): Promise<FolderEntry[]>;
  /** How many names the folder shows as of the job (deleted ones left out). */
  count(q: { readonly tape: string; readonly dir: string; readonly ordinal: number }): Promise<number>;
}
