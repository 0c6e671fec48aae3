import type * as E from 'fp-ts/Either';

/** Who holds a tape in the shared catalog (the row the refusal names). */
export interface TapeHolder {
  readonly host: string;
  readonly pid: number;
  readonly command: string;
  readonly since: string;
}

/** A hold of another host's process: `holder` undefined when it has not written its row yet. */
export interface HeldElsewhere {
  readonly holder: TapeHolder | undefined;
}

/**
 * A tape's holder in a catalog several hosts share (docs/ARCHITECTURE.md, "The holder
 * lock"): the lock files say who writes to a tape only to processes that see the same
 * file (a folder tape's `LTO-ARCHIVE/lock`, or `<data>/locks/` of one host), so hosts
 * with data folders of their own also take the tape in the shared catalog. The hold ends
 * with `release`, or with the holder's process (a crashed host lets go by itself).
 *
 * A SQLite catalog is a file of one host: its App has no TapeHolds, the lock files do it.
 */
export interface TapeHolds {
  take(tape: string, me: TapeHolder): Promise<E.Either<HeldElsewhere, () => Promise<void>>>;
  close(): Promise<void>;
}
