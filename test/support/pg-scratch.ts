import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Pool } from 'pg';

/**
 * A throwaway PostgreSQL server for the catalog tests until pg-store's test/support/postgres.ts
 * is merged (then this file goes, and its callers use that one): a cluster initialised in a
 * temporary folder, listening only on a Unix socket in that folder, run as the `postgres`
 * user when we are root (the server refuses to run as root), without fsync (test data).
 */
const BIN = process.env['LTO_PG_BIN'] ?? '/usr/lib/postgresql/15/bin';

export interface ScratchPg {
  /** A pool on a fresh database of its own. */
  readonly pool: (database?: string) => Promise<Pool>;
  readonly stop: () => Promise<void>;
}

/** Why the PostgreSQL tests cannot run here, or undefined when they can. */
export const pgUnavailable = (): string | undefined =>
  fs.existsSync(path.join(BIN, 'initdb')) ? undefined : `no PostgreSQL server binaries in ${BIN} (set LTO_PG_BIN)`;

const asServerUser = (args: readonly string[]): string[] =>
  process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--', ...args] : [...args];

const run = (args: readonly string[]): void => {
  const [command, ...rest] = asServerUser(args);
  if (command === undefined) throw new Error('empty command');
  execFileSync(command, rest, { stdio: 'pipe' });
};

let databases = 0;

export const startScratchPg = async (): Promise<ScratchPg> => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lto-pg-'));
  if (process.getuid?.() === 0) execFileSync('chown', ['postgres:postgres', dir]);
  const data = path.join(dir, 'data');
  run([path.join(BIN, 'initdb'), '-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale', 'C.UTF-8']);
  const options = `-k ${dir} -c listen_addresses= -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  run([path.join(BIN, 'pg_ctl'), '-D', data, '-o', options, '-l', path.join(dir, 'log'), '-w', 'start']);
  const pools: Pool[] = [];
  const admin = new Pool({ host: dir, user: 'postgres', database: 'postgres', max: 1 });
  return {
    pool: async (database = `catalog_${process.pid}_${++databases}`) => {
      await admin.query(`CREATE DATABASE ${database}`);
      const pool = new Pool({ host: dir, user: 'postgres', database, max: 4 });
      pools.push(pool);
      return pool;
    },
    stop: async () => {
      await Promise.all(pools.filter((p) => !p.ended).map((p) => p.end()));
      await admin.end();
      run([path.join(BIN, 'pg_ctl'), '-D', data, '-m', 'immediate', '-w', 'stop']);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
};
