import * as path from 'node:path';
import * as E from 'fp-ts/Either';
import type { TapeId } from '../domain/tape-id';
import { errorMessage } from '../infrastructure/errno';
import { isProcessAlive } from '../infrastructure/process-alive';
import { lockHolderAt, lockTape, onTapeLockFile, type LockHolder, type TapeLock } from '../infrastructure/tape/tape-lock';
import type { TapeHolder } from '../projections/ports/tape-holds';
import type { App } from './app';
import type { AppError } from './errors';
import type { TapeSession } from './tape-session';

/**
 * Where the lock of a tape is (docs/FORMAT.md, "Lock"). A folder tape carries it
 * (`LTO-ARCHIVE/lock`), seen by every machine that mounts the folder. An LTFS cartridge
 * is mounted on one host at a time, so only processes of this host can write to it now:
 * its lock is kept here, `<data>/locks/<LTFS volume UUID>.lock`, and taking it costs the
 * drive nothing (a lock file on the tape is a write at the end of data, a locate each way).
 */
export const lockFileOf = (app: App, mount: string, ltfsVolumeUuid: string | undefined): string =>
  ltfsVolumeUuid === undefined || !/^[A-Za-z0-9-]{1,64}$/.test(ltfsVolumeUuid)
    ? onTapeLockFile(mount)
    : path.join(app.dataDir, 'locks', `${ltfsVolumeUuid}.lock`);

/**
 * One writer per tape at a time: the tape's lock keeps a second backup out with one clear
 * message; the journal's head check (expected version) still catches anyone who writes
 * without it. In a catalog several hosts share, the tape is first held there (hosts with
 * data folders of their own do not see each other's `<data>/locks/`), then its lock file
 * is taken as on one host.
 */
export const holdTapeLock = async (app: App, session: TapeSession, command: string, force: boolean): Promise<E.Either<AppError, TapeLock>> => {
  const since = app.clock().toISOString();
  const held = await holdInCatalog(app, session.tape, { host: app.host, pid: app.pid, since, command });
  if (E.isLeft(held)) return held;
  const locked = lockFileOfTape(app, session, command, force, since);
  const letGo = (): void => {
    // Fire and forget: a hold not yet let go when the process ends goes with its connection.
    held.right().catch(() => undefined);
  };
  if (E.isLeft(locked)) {
    letGo();
    return locked;
  }
  return E.right({
    broke: locked.right.broke,
    release: () => {
      locked.right.release();
      letGo();
    },
  });
};

/** The hold in the shared catalog (none on SQLite: the lock file is enough on one host). */
const holdInCatalog = async (app: App, tape: TapeId, me: TapeHolder): Promise<E.Either<AppError, () => Promise<void>>> => {
  if (app.holds === undefined) return E.right(async () => undefined);
  try {
    const taken = await app.holds.take(tape, me);
    return E.isLeft(taken) ? E.left({ _tag: 'TapeHeld', tape, holder: taken.left.holder }) : taken;
  } catch (error) {
    return E.left({ _tag: 'DatabaseUnusable', path: 'the shared catalog', reason: errorMessage(error) });
  }
};

/**
 * The tape's lock file. A stale lock of a crashed process on this host is broken with a
 * notice; `force` breaks any lock. On LTFS a lock an earlier version left on the tape is
 * honoured while its process (on this host) runs, and otherwise ignored: no other host
 * can have the cartridge mounted now.
 */
const lockFileOfTape = (app: App, session: TapeSession, command: string, force: boolean, since: string): E.Either<AppError, TapeLock> => {
  const me = { host: app.host, pid: app.pid, since, command };
  const onTape = onTapeLockFile(session.mount);
  if (session.lockFile !== onTape && !force) {
    const earlier = busyWith(app, onTape);
    if (earlier !== undefined && earlier !== 'unknown' && earlier.host === app.host) return E.left({ _tag: 'TapeLocked', path: onTape, holder: earlier, tape: session.tape });
  }
  const locked = lockTape(session.lockFile, { me, alive: isProcessAlive, force });
  if (E.isLeft(locked)) {
    const problem = locked.left;
    return E.left(problem._tag === 'TapeLocked' ? { ...problem, tape: session.tape } : problem);
  }
  const broke = locked.right.broke;
  if (broke !== undefined) app.notice(`broke the lock of ${session.tape} left by ${broke.command} (pid ${broke.pid} on ${broke.host}, since ${broke.since}): that process is gone`);
  return locked;
};

/** Problems of the lock that keep a job out: someone else holds the tape, or the shared catalog cannot say. */
const REFUSALS: ReadonlySet<AppError['_tag']> = new Set(['TapeLocked', 'TapeHeld', 'DatabaseUnusable']);

/**
 * For jobs that only add their own events to the journal (restore, verify): held while
 * they run, so they never append under a running backup (which would then fail on the
 * journal's head check) nor let one start under them. A tape that cannot take the lock
 * file (write-protected) takes no events either: the job runs, its events stay pending.
 */
export const withTapeLock = async <A>(
  app: App,
  session: TapeSession,
  command: string,
  work: () => Promise<E.Either<AppError, A>>,
  breakLock = false,
): Promise<E.Either<AppError, A>> => {
  const lock = await holdTapeLock(app, session, command, breakLock);
  // Any other problem (a write-protected tape cannot take the lock file) lets the job run.
  if (E.isLeft(lock) && REFUSALS.has(lock.left._tag)) return lock;
  try {
    return await work();
  } finally {
    if (E.isRight(lock)) lock.right.release();
  }
};

/**
 * Another lto writing to the tape now (a backup, restore or verify of another process):
 * its lock (at `lockFile`) is there and its holder is alive, or cannot be checked from
 * here (another host, or a lock that does not say whose it is). A stale lock of a dead
 * process on this host, or our own, is no one.
 */
export const busyWith = (app: App, lockFile: string): LockHolder | 'unknown' | undefined => {
  const holder = lockHolderAt(lockFile);
  if (holder === undefined || holder === 'unknown') return holder;
  if (holder.host !== app.host) return holder;
  return holder.pid !== app.pid && isProcessAlive(holder.pid) ? holder : undefined;
};

export const describeHolder = (holder: LockHolder | 'unknown'): string =>
  holder === 'unknown' ? 'another lto (its lock does not say which)' : `${holder.command} (pid ${holder.pid} on ${holder.host})`;

/**
 * Small changes to a tape's stream (its description, labels, key slots) while another lto
 * writes to it: appended now, they would break that job's next append (the journal's head
 * moved under it). They are kept pending instead, and written at the next contact.
 */
export const unlessBusy = (app: App, session: TapeSession | undefined): TapeSession | undefined => {
  if (session === undefined) return undefined;
  const holder = busyWith(app, session.lockFile);
  if (holder === undefined) return session;
  app.notice(`${session.tape} is in use by ${describeHolder(holder)}: the change is kept in the catalog and written to the tape at the next contact`);
  return undefined;
};
