import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import * as E from 'fp-ts/Either';
import type { AppError } from '../application/errors';
import { composeApp, composePgApp, type AppSettings } from '../application/compose';
import { closeInterruptedJobs } from '../application/interrupted-jobs';
import type { App } from '../application/app';
import { readConfig } from '../infrastructure/config';
import { crashPointFromEnv } from '../infrastructure/crash-points';
import { currentEnvironment, dataFolder } from '../infrastructure/data-dir';
import { errorMessage } from '../infrastructure/errno';
import { IO_PATH_VARIABLE, configureIoPaths, parseIoPathSetting, type IoPathSetting } from '../infrastructure/io-path/io-paths';
import { newUuidV7 } from '../infrastructure/uuid-v7';
import type { CatalogRunner } from '../projections/runner';
import { chooseCatalog, maskUrl, type CatalogChoice } from '../infrastructure/catalog-choice';
import { pgFailureReason } from '../infrastructure/event-store/pg-failure';
import type { Io } from './io';
import { sqliteReason } from './thrown-errors';

export interface GlobalOptions {
  readonly db?: string | undefined;
  /** `--catalog`: a `postgres://` URL (the shared catalog) or a SQLite file. */
  readonly catalog?: string | undefined;
  /** A data folder of its own instead of the user's (the demo's). */
  readonly dataDir?: string | undefined;
}

export interface OpenedApp {
  readonly app: App;
  readonly runner: CatalogRunner;
  /** The catalog in use (what a job the web server starts is given). */
  readonly choice: CatalogChoice;
  /** Closes the catalog and the event store (one SQLite handle, or the pool and the host's local database). */
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
/** This host's own SQLite beside a shared catalog: where each tape was last mounted. */
const LOCAL_DATABASE = 'local.db';

/**
 * The composition root: data folder, config, the catalog chosen (chooseCatalog), event
 * store with the projections hooked into its appends, catch-up of projections, and jobs
 * left running by a crash.
 */
export const openApp = async (io: Io, options: GlobalOptions): Promise<E.Either<AppError, OpenedApp>> => {
  const environment = currentEnvironment();
  const dataDir = options.dataDir ?? dataFolder(environment);
  configureIoPaths(dataDir, ioPathSetting(io, environment.env));
  const config = readConfig(dataDir);
  if (E.isLeft(config)) return config;
  const settings: AppSettings = {
    config: config.right,
    dataDir,
    clock: () => new Date(),
    newId: () => newUuidV7(),
    host: os.hostname(),
    pid: process.pid,
    crashPoint: crashPointFromEnv(environment.env),
    notice: (message) => io.err(io.errStyle.dim(message)),
  };
  const choice = chooseCatalog(dataDir, environment.env, options, config.right);
  const composed = await openCatalog(choice, settings);
  if (E.isLeft(composed)) return composed;
  const { app, runner, close } = composed.right;
  const closed = await closeInterruptedJobs(app);
  if (E.isLeft(closed)) {
    await close();
    return closed;
  }
  return E.right({ app, runner, choice, close });
};

export type Composed = Omit<OpenedApp, 'choice'>;

/**
 * The App on a chosen catalog, without closing jobs a crash left running (what
 * `lto catalog copy` opens its target with). Beside a shared catalog, this host's own
 * things go to `<data>/local.db`.
 */
export const openCatalog = (choice: CatalogChoice, settings: AppSettings): Promise<E.Either<AppError, Composed>> => {
  const busyMs = busyTimeout(process.env);
  return choice.kind === 'postgres'
    ? openPostgres(choice.url, path.join(settings.dataDir, LOCAL_DATABASE), busyMs, settings)
    : openSqlite(choice.path, busyMs, settings);
};

const openSqlite = async (dbPath: string, busyMs: number, settings: AppSettings): Promise<E.Either<AppError, Composed>> => {
  const opened = openDatabase(dbPath, busyMs);
  if (E.isLeft(opened)) return opened;
  const db = opened.right;
  try {
    const { app, runner } = await composeApp(db, settings);
    const close = async (): Promise<void> => {
      await app.catalog.close();
      await app.store.close();
    };
    return E.right({ app, runner, close });
  } catch (error) {
    db.close();
    return E.left({ _tag: 'DatabaseUnusable', path: dbPath, reason: sqliteReason(error) ?? errorMessage(error) });
  }
};

const openPostgres = async (url: string, localPath: string, busyMs: number, settings: AppSettings): Promise<E.Either<AppError, Composed>> => {
  const local = openDatabase(localPath, busyMs);
  if (E.isLeft(local)) return local;
  try {
    return E.right(await composePgApp(url, local.right, settings));
  } catch (error) {
    if (local.right.open) local.right.close();
    const reason = pgFailureReason(error) ?? sqliteReason(error);
    // Anything else is a bug: thrown on, to the entry point's "internal error".
    if (reason === undefined) throw error;
    return E.left({ _tag: 'CatalogServerUnusable', catalog: maskUrl(url), reason });
  }
};
