import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import type { App } from '../../application/app';
import { composeApp } from '../../application/compose';
import { newUuidV7 } from '../../infrastructure/uuid-v7';
import type { ProjectionRunner, TapeHistory } from '../../projections/runner';

export interface TestApp {
  readonly app: App;
  /** The catalog's SQLite connection, for tests that damage or inspect its tables (the App has none). */
  readonly db: Database.Database;
  readonly runner: ProjectionRunner;
  /** A tape's audit trail before a position, as the live projections read it (for a replay that checks them). */
  readonly tapeHistory: TapeHistory;
  readonly root: string;
  readonly notices: string[];
  /** A new empty folder standing in for a tape's mount point. */
  readonly mountPoint: (name: string) => string;
  readonly close: () => void;
}

/** A real App (SQLite file, folder tapes) in a temporary folder, with a clock that ticks 1 s per call. */
export const testApp = async (overrides: Partial<App> = {}): Promise<TestApp> => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lto-app-'));
  const db = new Database(path.join(root, 'catalog.db'));
  let tick = Date.parse('2026-11-26T10:00:00.000Z');
  const notices: string[] = [];
  const { app, runner, tapeHistory } = await composeApp(db, {
    config: {},
    dataDir: path.join(root, 'data'),
    clock: () => new Date((tick += 1000)),
    newId: () => newUuidV7(),
    host: 'test-host',
    pid: process.pid,
    crashPoint: () => undefined,
    notice: (message) => notices.push(message),
    ...overrides,
  });
  return {
    app,
    db,
    runner,
    tapeHistory,
    root,
    notices,
    mountPoint: (name) => {
      const dir = path.join(root, name);
      fs.mkdirSync(dir, { recursive: true });
      return dir;
    },
    close: () => {
      db.close();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
};
