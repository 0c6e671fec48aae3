/** The first name of a file archived in this job part: its path as catalogued, and its tar member name. */
export interface FirstName {
  readonly catalogued: string;
  readonly member: string;
}

/**
 * The files of one job part that have several names (by device and inode): the first
 * name met is archived with its data, every later one as a hard link to it (GNU tar's
 * rule). A later name waits until the first is placed, so its link never comes before
 * the data in the tar; when the first could not be archived whole, the later names
 * carry their own data.
 */
export class HardLinks {
  private readonly firsts = new Map<string, Promise<FirstName | undefined>>();

  /**
   * For a file's identity: the first name (awaited) when one was met before; else
   * undefined, and `settle` must be called with what became of this one.
   */
  claim(key: string): { readonly first: Promise<FirstName | undefined> } | { readonly settle: (first: FirstName | undefined) => void } {
    const known = this.firsts.get(key);
    if (known !== undefined) return { first: known };
    let settle: (first: FirstName | undefined) => void = () => undefined;
    this.firsts.set(key, new Promise((resolve) => (settle = resolve)));
    return { settle };
  }
}
