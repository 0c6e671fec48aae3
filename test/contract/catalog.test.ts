import * as path from 'node:path';
import Database from 'better-sqlite3';
import { composeApp, composePgApp } from '../../application/compose';
import { newUuidV7 } from '../../infrastructure/uuid-v7';
import { catalogContract } from './catalog.contract';
import { postgresSkipReason, startPostgres, type PostgresServer } from '../support/postgres';

catalogContract('SQLite catalog', async (folder) => {
  const db = new Database(path.join(folder, 'catalog.db'));
  let tick = Date.parse('2026-12-01T10:00:00.000Z');
  const { app } = await composeApp(db, {
    config: {},
    dataDir: path.join(folder, 'data'),
    clock: () => new Date((tick += 1000)),
    newId: () => newUuidV7(),
    host: 'contract-host',
    pid: process.pid,
    crashPoint: () => undefined,
    notice: () => undefined,
  });
  return {
    app,
    close: async () => {
      await app.catalog.close();
      await app.store.close();
    },
  };
});

let server: PostgresServer | undefined;
catalogContract(
  'PostgreSQL catalog',
  async (folder) => {
    server = await startPostgres();
    let tick = Date.parse('2026-12-01T10:00:00.000Z');
    const opened = await composePgApp(await server.createDatabase(), new Database(path.join(folder, 'local.db')), {
      config: {},
      dataDir: path.join(folder, 'data'),
      clock: () => new Date((tick += 1000)),
      newId: () => newUuidV7(),
      host: 'contract-host',
      pid: process.pid,
      crashPoint: () => undefined,
      notice: () => undefined,
    });
    return {
      app: opened.app,
      close: async () => {
        await opened.close();
        await server?.stop();
      },
    };
  },
  { skip: postgresSkipReason() },
);
