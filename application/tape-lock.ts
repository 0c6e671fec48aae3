import * as E from 'fp-ts/Either';
import { isProcessAlive } from '../infrastructure/process-alive';
import { lockHolderAt, lockTape, type LockHolder, type TapeLock } from '../infrastructure/tape/tape-lock';
import type { App } from './app';
import type { AppError } from './errors';
import type { TapeSession } from './tape-session';

/**
 * One writer per tape at a time: the lock on the tape (`LTO-ARCHIVE/lock`) keeps a second
 * backup out with one clear message, whichever machine it runs on; the journal's head
 * check (expected version) still catches anyone who writes without it. A stale lock of
 * a crashed process on this host is broken with a notice; `force` breaks any lock.
 */
export const holdTapeLock = (app: App, session: TapeSession, command: string, force: boolean): E.Either<AppError, TapeLock> => {
  const me = { host: app.host, pid: app.pid, since: app.clock().toISOString(), command };
  const locked = lockTape(session.mount, { me, alive: isProcessAlive, force });
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
 * Another lto writing to the tape at `mount` now (a backup, restore or verify of another
 * process): its lock is there and its holder is alive, or cannot be checked from here
 * (another host, or a lock that does not say whose it is). A stale lock of a dead
 * process on this host, or our own, is no one.
 */
export const busyWith = (app: App, mount: string): LockHolder | 'unknown' | undefined => {
  const holder = lockHolderAt(mount);
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
  const holder = busyWith(app, session.mount);
  if (holder === undefined) return session;
  app.notice(`${session.tape} is in use by ${describeHolder(holder)}: the change is kept in the catalog and written to the tape at the next contact`);
  return undefined;
};
