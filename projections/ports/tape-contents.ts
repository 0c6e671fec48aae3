export interface TapeContents {
  /** One line per job that lives on the tape: id, type, mode, status and totals. */
  readonly jobs: readonly string[];
  /** One line per archived version: path, job, kind, size, time, mode, place on tape and hash. */
  readonly versions: readonly string[];
}

/** Lines only one side has (at most `limit`), for a message. */
export const contentDifferences = (a: TapeContents, b: TapeContents, limit = 5): string[] => {
  const only = (x: readonly string[], y: readonly string[]) => {
    const other = new Set(y);
    return x.filter((line) => !other.has(line));
  };
  return [...only(a.jobs, b.jobs), ...only(b.jobs, a.jobs), ...only(a.versions, b.versions), ...only(b.versions, a.versions)].slice(0, limit);
};
