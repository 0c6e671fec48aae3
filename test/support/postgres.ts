import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Pool } from 'pg';

/**
 * A throwaway PostgreSQL cluster for tests and benchmarks: initdb into a temp folder, a
 * `postgres` process listening only on a Unix socket in that folder (no TCP port to
 * collide with another engineer's run), stopped and removed by `stop()`.
 *
 * PostgreSQL refuses to run as root, so as root the folder is given to the unprivileged
 * `postgres` user (Debian's package creates it) and the server runs as that user.
 */
export interface PostgresServer {
  /** The folder holding the socket (what `host` is for a Unix-socket connection). */
  readonly socketDir: string;
  /** The postmaster's process id (a benchmark adds up its and its backends' CPU). */
  readonly pid: number;
  /** A connection string for a database of this cluster (`postgres` by default). */
  connectionString(database?: string): string;
  /** A fresh empty database; returns its connection string. */
  createDatabase(): Promise<string>;
  /** Fast shutdown (rolls back open transactions), then removes the folder. */
  stop(): Promise<void>;
}

export interface PostgresOptions {
  /** fsync as in production (a benchmark); off by default: tests do not survive power loss anyway. */
  readonly fsync?: boolean;
}

const SUPERUSER = 'lto';
const PORT = 5432;
const NOT_FOUND = "PostgreSQL server binaries not found: install Debian's postgresql";

/** The folder holding initdb and postgres, or undefined when PostgreSQL's server is not installed. */
export const postgresBinDir = (): string | undefined => {
  const debian = '/usr/lib/postgresql';
  const versions = existsSync(debian)
    ? readdirSync(debian)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  for (const v of versions) if (existsSync(join(debian, v, 'bin', 'postgres'))) return join(debian, v, 'bin');
  const onPath = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' }).stdout.trim();
  return onPath === '' ? undefined : join(onPath, '..');
};

/** Why PostgreSQL tests must skip here, or undefined when they can run (for `{ skip: … }`). */
export const postgresSkipReason = (): string | undefined => {
  const bin = postgresBinDir();
  if (bin === undefined || !existsSync(join(bin, 'postgres'))) return NOT_FOUND;
  if (runsAsRoot() && serverUser() === undefined) return 'running as root and no unprivileged postgres user to run PostgreSQL as';
  return undefined;
};

const runsAsRoot = (): boolean => process.getuid?.() === 0;

const serverUser = (): { uid: number; gid: number } | undefined => {
  const out = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (out.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number(out.stdout.trim()), gid: Number(gid.stdout.trim()) };
};

/** Starts a cluster; throws when the binaries are absent (check `postgresSkipReason` first). */
export const startPostgres = async (options: PostgresOptions = {}): Promise<PostgresServer> => {
  const bin = postgresBinDir();
  if (bin === undefined) throw new Error(NOT_FOUND);
  const dir = mkdtempSync(join(tmpdir(), 'lto-pg-'));
  const owner = runsAsRoot() ? serverUser() : undefined;
  if (owner !== undefined) chownSync(dir, owner.uid, owner.gid);
  const as = owner ?? {};
  const data = join(dir, 'data');
  const init = spawnSync(join(bin, 'initdb'), ['-D', data, '-U', SUPERUSER, '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'], {
    ...as,
    encoding: 'utf8',
  });
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${init.stderr || init.stdout}`);
  }
  const args = ['-D', data, '-k', dir, '-p', String(PORT), '-c', 'listen_addresses=', '-c', `fsync=${options.fsync === true ? 'on' : 'off'}`];
  args.push('-c', 'max_connections=100', '-c', 'shared_buffers=128MB');
  const server = spawn(join(bin, 'postgres'), args, { ...as, stdio: ['ignore', 'ignore', 'pipe'] });
  const log: string[] = [];
  server.stderr?.on('data', (chunk: Buffer) => log.push(chunk.toString('utf8')));
  const connectionString = (database = 'postgres'): string =>
    `postgresql://${SUPERUSER}@${encodeURIComponent(dir)}:${PORT}/${database}`;
  try {
    await waitUntilReady(server, connectionString(), log);
  } catch (error) {
    await stopProcess(server);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  // A test process that ends without stop() (an uncaught error, a failed assertion in a
  // `before`) must not leave a server behind: kill it on the way out (kill is synchronous).
  const leftBehind = (): void => {
    server.kill('SIGQUIT');
  };
  process.once('exit', leftBehind);
  let databases = 0;
  return {
    socketDir: dir,
    pid: server.pid ?? 0,
    connectionString,
    createDatabase: async () => {
      databases += 1;
      const name = `test_${databases}`;
      await withClient(connectionString(), (c) => c.query(`CREATE DATABASE ${name}`));
      return connectionString(name);
    },
    stop: async () => {
      process.removeListener('exit', leftBehind);
      await stopProcess(server);
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

const withClient = async <A>(connectionString: string, work: (c: Client) => Promise<A>): Promise<A> => {
  const client = new Client({ connectionString });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
};

/** Polls a connection until the server accepts one; fails at once if the server exits. */
const waitUntilReady = async (server: ChildProcess, connectionString: string, log: readonly string[]): Promise<void> => {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (server.exitCode !== null || server.signalCode !== null) throw new Error(`postgres exited while starting: ${log.join('')}`);
    try {
      await withClient(connectionString, (c) => c.query('SELECT 1'));
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`postgres did not accept connections within 60 s: ${String(error)} ${log.join('')}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
};

/** SIGINT is PostgreSQL's fast shutdown: open transactions roll back, then it exits. */
const stopProcess = (server: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (server.exitCode !== null || server.signalCode !== null) return resolve();
    server.once('exit', () => resolve());
    server.kill('SIGINT');
  });

/**
 * Pools on fresh databases of `server` (the catalog tests' and benchmarks'), each ended by
 * `end()`, which is called before the server stops.
 */
export const scratchPools = (server: PostgresServer): { readonly pool: (max?: number) => Promise<Pool>; readonly end: () => Promise<void> } => {
  const pools: Pool[] = [];
  return {
    pool: async (max = 4) => {
      const pool = new Pool({ connectionString: await server.createDatabase(), max });
      // A server stopped under idle clients must not crash the test process.
      pool.on('error', () => undefined);
      pools.push(pool);
      return pool;
    },
    end: async () => {
      await Promise.all(pools.filter((p) => !p.ended).map((p) => p.end()));
    },
  };
};
