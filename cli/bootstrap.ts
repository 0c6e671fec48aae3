import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import * as E from 'fp-ts/Either';
import type { AppError } from '../application/errors';
import { composeApp } from '../application/compose';
import { closeInterruptedJobs } from '../application/interrupted-jobs';
import type { App } from '../application/app';
import { readConfig } from '../infrastructure/config';
import { crashPointFromEnv } from '../infrastructure/crash-points';
import { currentEnvironment, dataFolder, databasePath } from '../infrastructure/data-dir';
import { errorMessage } from '../infrastructure/errno';
import { IO_PATH_VARIABLE, configureIoPaths, parseIoPathSetting, type IoPathSetting } from '../infrastructure/io-path/io-paths';
import { newUuidV7 } from '../infrastructure/uuid-v7';
import type { ProjectionRunner } from '../projections/runner';
import type { Io } from './io';
import { sqliteReason } from './thrown-errors';

export interface GlobalOptions {
  readonly db?: string | undefined;
  /** A data folder of its own instead of the user's (the demo's). */
  readonly dataDir?: string | undefined;
}

export interface OpenedApp {
  readonly app: App;
  readonly runner: ProjectionRunner;
  readonly dbPath: string;
  /** Closes the catalog and the event store (one SQLite handle: whichever goes first closes it). */
  readonly close: () => Promise<void>;
}

/**
 * How long a write waits behind another process's transaction before it is refused (one
 * line, exit 5): `LTO_DB_BUSY_MS`, else 30 s.
 */
const BUSY_TIMEOUT_MS = 30_000;
const busyTimeout = (env: NodeJS.ProcessEnv): number => {
  const given = Number(env['LTO_DB_BUSY_MS'] ?? '');
  return env['LTO_DB_BUSY_MS'] !== undefined && Number.isSafeInteger(given) && given >= 0 ? given : BUSY_TIMEOUT_MS;
};

const openDatabase = (file: string, busyMs: number): E.Either<AppError, Database.Database> => {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const db = new Database(file);
    // Other lto processes (a backup per drive) commit to this catalog too: wait for them.
    db.pragma(`busy_timeout = ${busyMs}`);
    return E.right(db);
  } catch (error) {
    return E.left({ _tag: 'DatabaseUnusable', path: file, reason: errorMessage(error) });
  }
};

/** LTO_IO_PATH, or `auto` with one line saying why when it is not a value it takes. */
const ioPathSetting = (io: Io, env: NodeJS.ProcessEnv): IoPathSetting => {
  const value = env[IO_PATH_VARIABLE];
  const setting = parseIoPathSetting(value);
  if (setting !== undefined) return setting;
  io.err(io.errStyle.dim(`${IO_PATH_VARIABLE}=${String(value)} is not auto, direct or buffered: auto is used`));
  return 'auto';
};

/**
 * The composition root: data folder, config, database, event store with the projections
 * hooked into its appends, catch-up of projections, and jobs left running by a crash.
 */
export const openApp = async (io: Io, options: GlobalOptions): Promise<E.Either<AppError, OpenedApp>> => {
  const environment = currentEnvironment();
  const dataDir = options.dataDir ?? dataFolder(environment);
  configureIoPaths(dataDir, ioPathSetting(io, environment.env));
  const config = readConfig(dataDir);
  if (E.isLeft(config)) return config;
  const dbPath = databasePath(dataDir, environment.env, options.db);
  const opened = openDatabase(dbPath, busyTimeout(environment.env));
  if (E.isLeft(opened)) return opened;
  const db = opened.right;
  try {
    const { app, runner } = await composeApp(db, {
      config: config.right,
      dataDir,
      clock: () => new Date(),
      newId: () => newUuidV7(),
      host: os.hostname(),
      pid: process.pid,
      crashPoint: crashPointFromEnv(environment.env),
      notice: (message) => io.err(io.errStyle.dim(message)),
    });
    const close = async (): Promise<void> => {
      await app.catalog.close();
      await app.store.close();
    };
    const closed = await closeInterruptedJobs(app);
    if (E.isLeft(closed)) {
      await close();
      return closed;
    }
    return E.right({ app, runner, dbPath, close });
  } catch (error) {
    db.close();
    return E.left({ _tag: 'DatabaseUnusable', path: dbPath, reason: sqliteReason(error) ?? errorMessage(error) });
  }
};
