import * as fs from 'node:fs';
import * as path from 'node:path';
import * as E from 'fp-ts/Either';
import * as t from 'io-ts';
import { errnoCode, errorMessage, isErrno, isReadOnlyError } from '../errno';
import type { TapeProblem } from './tape-problems';
import { ARCHIVE_DIR } from './volume-label-file';

/** `LTO-ARCHIVE/lock`: who is writing to this tape now (docs/FORMAT.md, "Lock"). */
export const LOCK_FILE = 'lock';

export const LockHolder = t.type({ host: t.string, pid: t.number, since: t.string, command: t.string });
export type LockHolder = t.TypeOf<typeof LockHolder>;

export type TapeLockProblem =
  | TapeProblem
  | {
      readonly _tag: 'TapeLocked';
      readonly path: string;
      /** Undefined when the lock file does not decode (a holder cut off while writing it). */
      readonly holder: LockHolder | undefined;
    };

export interface TapeLock {
  /** What was broken to take it: a stale lock of a dead process on this host. */
  readonly broke: LockHolder | undefined;
  readonly release: () => void;
}

export interface LockOptions {
  readonly me: LockHolder;
  /** Is this pid running on this host? A lock of a dead process here is stale. */
  readonly alive: (pid: number) => boolean;
  /** Break whatever lock is there (the person checked that its holder is gone). */
  readonly force: boolean;
}

/** The lock on the tape itself: a folder tape's (docs/FORMAT.md, "Lock"; an LTFS mount's lock is host-local). */
export const onTapeLockFile = (mountRoot: string): string => path.join(mountRoot, ARCHIVE_DIR, LOCK_FILE);

/**
 * Takes the lock at `file`: created exclusively (O_EXCL), so of two writers exactly one
 * gets it. A lock left by a process of this host that is no longer running is stale and
 * is broken: moved aside under a name of our own, then checked to be the very lock we
 * judged stale (another writer may have broken it and locked first: then it is put back
 * and we refuse). A lock of another host cannot be checked from here: only `force` breaks it.
 */
export const lockTape = (file: string, options: LockOptions): E.Either<TapeLockProblem, TapeLock> => {
  const first = create(file, options.me);
  if (E.isRight(first) || first.left._tag !== 'TapeLocked') return E.map(() => ({ broke: undefined, release: releaser(file, options.me) }))(first);
  const holder = first.left.holder;
  const stale = holder !== undefined && holder.host === options.me.host && !options.alive(holder.pid);
  if (!stale && !options.force) return E.left(first.left);
  const broken = breakLock(file, holder, options.me.pid);
  if (E.isLeft(broken)) return broken;
  return E.map(() => ({ broke: holder, release: releaser(file, options.me) }))(create(file, options.me));
};

const create = (file: string, me: LockHolder): E.Either<TapeLockProblem, void> => {
  let fd: number | undefined;
  try {
    // A host-local lock's folder may not exist yet; a tape's LTO-ARCHIVE/ always does.
    if (!fs.existsSync(path.dirname(file))) fs.mkdirSync(path.dirname(file), { recursive: true });
    fd = fs.openSync(file, 'wx', 0o644);
    fs.writeSync(fd, `${JSON.stringify(me)}\n`);
    fs.fsyncSync(fd);
    return E.right(undefined);
  } catch (error) {
    if (isErrno(error, 'EEXIST')) return E.left({ _tag: 'TapeLocked', path: file, holder: readHolder(file) });
    return E.left({ _tag: 'TapeWriteFailed', path: file, code: errnoCode(error), message: errorMessage(error), readOnly: isReadOnlyError(error), full: isErrno(error, 'ENOSPC') });
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
};

/** Who holds the lock at `file`: undefined when none is there; 'unknown' when it does not decode. */
export const lockHolderAt = (file: string): LockHolder | 'unknown' | undefined => {
  if (!fs.existsSync(file)) return undefined;
  return readHolder(file) ?? 'unknown';
};

const readHolder = (file: string): LockHolder | undefined => {
  try {
    const decoded = LockHolder.decode(JSON.parse(fs.readFileSync(file, 'utf8')));
    return E.isRight(decoded) ? decoded.right : undefined;
  } catch {
    return undefined;
  }
};

/** Moves the lock aside (rename is atomic), and puts it back if it was not the one judged. */
const breakLock = (file: string, judged: LockHolder | undefined, pid: number): E.Either<TapeLockProblem, void> => {
  const aside = `${file}.broken-${pid}`;
  try {
    fs.renameSync(file, aside);
  } catch (error) {
    // Gone already: another writer broke it first; the create that follows decides.
    if (isErrno(error, 'ENOENT')) return E.right(undefined);
    return E.left({ _tag: 'TapeWriteFailed', path: file, code: errnoCode(error), message: errorMessage(error), readOnly: isReadOnlyError(error), full: false });
  }
  const moved = readHolder(aside);
  if (JSON.stringify(moved) !== JSON.stringify(judged)) {
    // A fresh lock taken between our read and our rename: give it back untouched.
    fs.renameSync(aside, file);
    return E.left({ _tag: 'TapeLocked', path: file, holder: moved });
  }
  fs.rmSync(aside, { force: true });
  return E.right(undefined);
};

/**
 * Removes the lock only while it is still ours (never one that someone broke and took).
 * Never throws: it runs as a job ends, often because the tape failed, and a tape that
 * turned read-only (or went away) keeps the file. It names this process, which will be
 * gone, so the next lto on this host breaks it with a notice.
 */
const releaser = (file: string, me: LockHolder) => (): void => {
  const holder = readHolder(file);
  if (holder === undefined || holder.host !== me.host || holder.pid !== me.pid || holder.since !== me.since) return;
  try {
    fs.unlinkSync(file);
  } catch {
    // Kept, as above.
  }
};
