import * as path from 'node:path';
import * as E from 'fp-ts/Either';
import { isProcessAlive } from '../infrastructure/process-alive';
import { lockHolderAt, lockTape, onTapeLockFile, type LockHolder, type TapeLock } from '../infrastructure/tape/tape-lock';
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
 * without it. A stale lock of a crashed process on this host is broken with a notice;
 * `force` breaks any lock. On LTFS a lock an earlier version left on the tape is honoured
 * while its process (on this host) runs, and otherwise ignored: no other host can have
 * the cartridge mounted now.
 */
export const holdTapeLock = (app: App, session: TapeSession, command: string, force: boolean): E.Either<AppError, TapeLock> => {
  const me = { host: app.host, pid: app.pid, since: app.clock().toISOString(), command };
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
  const lock = holdTapeLock(app, session, command, breakLock);
  if (E.isLeft(lock) && lock.left._tag === 'TapeLocked') return lock;
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
