import pg from 'pg';
import { pgFailureReason } from '../infrastructure/event-store/pg-failure';
import { EXIT } from './exit-codes';
import type { Rendered } from './errors';

/**
 * What reaches the entry point thrown, not as a typed error: the catalog database
 * failing under a command (disk full, locked too long, damaged) or the file system
 * refusing a call no use case expected to fail. Each is one line naming what failed and
 * what to do; "internal error" is left for real bugs. A stack trace only with LTO_DEBUG.
 */
export const renderThrown = (error: unknown): Rendered & { readonly bug: boolean; readonly code: ThrownCode } => {
  const sqlite = sqliteCode(error);
  if (sqlite !== undefined) return { message: sqliteMessage(sqlite, messageOf(error)), exit: EXIT.LOCAL, bug: false, code: 'DatabaseFailed' };
  // The shared catalog's server failing under a command (it stopped, the network went away).
  const server = error instanceof pg.DatabaseError || isPgConnectionLoss(error) ? pgFailureReason(error) : undefined;
  if (server !== undefined) return { message: `the shared catalog failed: ${server}; ${RETRY}`, exit: EXIT.LOCAL, bug: false, code: 'DatabaseFailed' };
  const errno = errnoOf(error);
  if (errno !== undefined) return { ...errnoMessage(errno), bug: false, code: 'FileSystemFailed' };
  return { message: messageOf(error), exit: EXIT.FAILED, bug: true, code: 'InternalError' };
};

/** node-postgres' own errors when the connection goes (no errno: not the file system's). */
const isPgConnectionLoss = (error: unknown): boolean => error instanceof Error && /Connection terminated|Client has encountered a connection error/i.test(error.message);

/** The `--json` error codes of what was thrown rather than returned (docs/JSON.md). */
export type ThrownCode = 'DatabaseFailed' | 'FileSystemFailed' | 'InternalError';

const messageOf = (error: unknown): string => (error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error));

/** Why the catalog database failed, in words, when `error` is SQLite's (for the errors that carry a reason). */
export const sqliteReason = (error: unknown): string | undefined => {
  const code = sqliteCode(error);
  return code === undefined ? undefined : sqliteMessage(code, messageOf(error));
};

/** better-sqlite3 throws SqliteError with SQLite's extended result code name (SQLITE_FULL, SQLITE_BUSY_SNAPSHOT...). */
const sqliteCode = (error: unknown): string | undefined =>
  error instanceof Error && error.name === 'SqliteError' && 'code' in error && typeof error.code === 'string' && error.code.startsWith('SQLITE_')
    ? error.code
    : undefined;

const RETRY = 'nothing on a tape is lost: the next contact with it brings the catalog up to date';

const sqliteMessage = (code: string, message: string): string => {
  const base = code.replace(/^(SQLITE_[A-Z]+?)(_[A-Z_]+)?$/, '$1');
  switch (base) {
    case 'SQLITE_FULL':
      return `the disk holding the catalog database is full (${code}): free some space there and run the command again; ${RETRY}`;
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
      return `the catalog database stayed locked by another lto process past the wait (${code}): run the command again once that one is done (LTO_DB_BUSY_MS sets the wait)`;
    case 'SQLITE_READONLY':
      return `the catalog database cannot be written (${code}): check the permissions and the file system of the data folder`;
    case 'SQLITE_CORRUPT':
    case 'SQLITE_NOTADB':
      return `the catalog database is damaged (${code}): move it aside and rebuild it from the tapes with \`lto recover --mount PATH\` for each tape`;
    case 'SQLITE_IOERR':
      return `reading or writing the catalog database failed (${code}: ${message}): check the disk holding the data folder; ${RETRY}`;
    case 'SQLITE_CANTOPEN':
      return `the catalog database cannot be opened (${code}): check that the data folder exists and is writable`;
    default:
      return `the catalog database failed (${code}): ${message}`;
  }
};

interface Errno {
  readonly code: string;
  readonly syscall: string | undefined;
  readonly path: string | undefined;
}

const errnoOf = (error: unknown): Errno | undefined => {
  if (!(error instanceof Error) || !('code' in error) || typeof error.code !== 'string' || !/^E[A-Z0-9]+$/.test(error.code)) return undefined;
  if (!('syscall' in error) && !('errno' in error)) return undefined;
  const syscall = 'syscall' in error && typeof error.syscall === 'string' ? error.syscall : undefined;
  const file = 'path' in error && typeof error.path === 'string' ? error.path : undefined;
  return { code: error.code, syscall, path: file };
};

const WHY: Readonly<Record<string, string>> = {
  ENOSPC: 'no space is left on that device',
  EDQUOT: 'the disk quota is used up',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'the operation is not permitted (read-only or immutable)',
  ENOTDIR: 'a folder on the way is not a folder (or the file system turned read-only)',
  ENOENT: 'it is not there (a mount that went away?)',
  EIO: 'the device reported an I/O error',
  ENOTCONN: 'the mount is no longer connected (the drive or ltfs went away)',
  EMFILE: 'too many open files',
};

/** A path on a tape (`<mount>/LTO-ARCHIVE/...`) is the tape's problem (exit 3); anything else this machine's (exit 5). */
const errnoMessage = (e: Errno): Rendered => {
  const what = `${e.syscall ?? 'a file system call'}${e.path === undefined ? '' : ` ${e.path}`}`;
  const why = WHY[e.code] ?? 'the file system refused it';
  const onTape = e.path !== undefined && e.path.includes('/LTO-ARCHIVE');
  const advice = onTape ? ': is the cartridge write-protected, full, or its mount gone? Run the command again once it is writable' : '';
  return { message: `${what} failed (${e.code}): ${why}${advice}`, exit: onTape ? EXIT.TAPE : EXIT.LOCAL };
};
