/** The latest version of a name as of a job, with where the catalog holds it (paths as stored, sealed on an encrypted tape). */
export interface BrowseRow {
  /** The folder path it is in. */
  readonly dir: string;
  readonly name: string;
  readonly kind: 'file' | 'dir' | 'symlink' | 'deleted';
  readonly size: number;
  readonly mtimeNs: string;
  /** The job that archived this version. */
  readonly job: string;
  readonly target: string | null;
  /** How many versions of it the tape holds up to the job (deleted ones not counted). */
  readonly versions: number;
  /** A piece of a file split across tapes: where it starts in the file, and the file's size (else null). */
  readonly fileOffset: number | null;
  readonly fileSize: number | null;
}

/** A tape's tree as of a job (its ordinal): what `lto browse` lists. */
export interface BrowseQueries {
  /** The latest version (as of the ordinal) of every name in a folder, by name; deleted ones included. */
  children(tape: string, ordinal: number, dir: string): Promise<BrowseRow[]>;
  /** The latest version (as of the ordinal) of one name in a folder, when the tape has any. */
  child(tape: string, ordinal: number, dir: string, name: string): Promise<BrowseRow[]>;
  /** The tape holds any folder at all. */
  holdsAnything(tape: string): Promise<boolean>;
  /** A version of `name` in `dir` up to the ordinal was a folder. */
  heldAsFolder(tape: string, ordinal: number, dir: string, name: string): Promise<boolean>;
  /** Folders at or below `root` holding entries up to the ordinal, in path order. */
  foldersHolding(tape: string, ordinal: number, root: string, limit?: number): Promise<string[]>;
}
