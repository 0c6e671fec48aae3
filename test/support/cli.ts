import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The repository root, from dist/test/support (compiled) — where bin/lto.js lives. */
export const REPO_ROOT = path.resolve(__dirname, '../../..');
const BIN = path.join(REPO_ROOT, 'bin', 'lto.js');

export interface CliResult {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A private data folder (LTO_HOME) and scratch space for one test; removed by `cleanup`. */
export interface Sandbox {
  readonly root: string;
  readonly home: string;
  /** A new empty folder standing in for a tape's mount point. */
  readonly mountPoint: (name: string) => string;
  readonly lto: (args: readonly string[], env?: NodeJS.ProcessEnv) => CliResult;
  /** Runs the CLI in its own process group and SIGKILLs the whole group after `ms`, as a power cut would. */
  readonly ltoKilledAfter: (args: readonly string[], ms: number) => Promise<CliResult>;
  /** Starts the CLI in the background; `done` resolves when it ends. */
  readonly ltoAsync: (
    args: readonly string[],
    env?: NodeJS.ProcessEnv,
  ) => { readonly done: Promise<CliResult>; readonly kill: () => void; readonly pid: number };
  readonly json: <T = unknown>(args: readonly string[]) => T;
  readonly cleanup: () => void;
}

/**
 * The suite on a shared catalog: with `LTO_CATALOG=postgres://…` (a server whose user may
 * create databases) in the test run's environment, each sandbox gets a fresh database of
 * that server as its catalog (what a test passes, `--db` or `LTO_DB` included, still wins).
 * Without it the sandbox has no catalog setting: the SQLite file in its data folder.
 */
const sandboxCatalog = (): NodeJS.ProcessEnv => {
  const server = process.env['LTO_CATALOG'];
  if (server === undefined || !/^postgres(ql)?:\/\//i.test(server)) return {};
  const name = `lto_sandbox_${process.pid}_${(sandboxes += 1)}`;
  const script = `const { Client } = require('pg'); const c = new Client({ connectionString: process.argv[1] });
    c.connect().then(() => c.query('CREATE DATABASE ${name}')).then(() => c.end(), (e) => { console.error(e.message); process.exit(1); });`;
  const made = spawnSync(process.execPath, ['-e', script, server], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`cannot create a sandbox database on ${server}: ${made.stderr}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return { LTO_CATALOG: url.toString() };
};
let sandboxes = 0;

export const sandbox = (): Sandbox => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lto-test-'));
  const home = path.join(root, 'home');
  const catalog = sandboxCatalog();
  const lto = (args: readonly string[], env: NodeJS.ProcessEnv = {}): CliResult => {
    const result = spawnSync(process.execPath, [BIN, ...args], {
      encoding: 'utf8',
      env: { PATH: process.env['PATH'], HOME: root, LTO_HOME: home, NO_COLOR: '1', ...(env['LTO_DB'] === undefined ? catalog : {}), ...env },
      timeout: 60_000,
    });
    return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
  };
  const ltoAsync = (args: readonly string[], env: NodeJS.ProcessEnv = {}) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env['PATH'], HOME: root, LTO_HOME: home, NO_COLOR: '1', ...(env['LTO_DB'] === undefined ? catalog : {}), ...env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const done = new Promise<CliResult>((resolve) => child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr })));
    const kill = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone: the command finished first.
      }
    };
    return { done, kill, pid: child.pid ?? 0 };
  };
  const ltoKilledAfter = async (args: readonly string[], ms: number): Promise<CliResult> => {
    const run = ltoAsync(args);
    const timer = setTimeout(run.kill, ms);
    const result = await run.done;
    clearTimeout(timer);
    return result;
  };
  return {
    root,
    home,
    ltoKilledAfter,
    ltoAsync,
    mountPoint: (name) => {
      const dir = path.join(root, name);
      fs.mkdirSync(dir, { recursive: true });
      return dir;
    },
    lto,
    json: <T>(args: readonly string[]): T => {
      const result = lto([...args, '--json']);
      if (result.status !== 0) throw new Error(`lto ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
      return JSON.parse(result.stdout) as T;
    },
    cleanup: () => fs.rmSync(root, { recursive: true, force: true }),
  };
};

/** Journal lines of a folder-backed tape. */
export const journalLines = (mount: string): string[] =>
  fs
    .readFileSync(path.join(mount, 'LTO-ARCHIVE', 'journal.ndjson'), 'utf8')
    .split('\n')
    .filter((line) => line !== '');

/** Waits until `check` holds (polling every 20 ms), or fails after `ms`. */
export const waitFor = async (what: string, check: () => boolean, ms = 20_000): Promise<void> => {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

/** Linux: is `pid` stopped (SIGSTOP)? */
export const isStopped = (pid: number): boolean => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2) === 'T';
  } catch {
    return false;
  }
};

/** Linux: `pid` and its descendants (bin/lto.js runs long jobs in a child process). */
export const processTree = (pid: number): number[] => {
  let children: number[] = [];
  try {
    children = fs
      .readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .split(' ')
      .filter((p) => p !== '')
      .map(Number);
  } catch {
    // Gone already.
  }
  return [pid, ...children.flatMap(processTree)];
};

/** Linux: the process of `pid`'s tree that is stopped (LTO_STOP_AT), if one is. */
export const stoppedIn = (pid: number): number | undefined => processTree(pid).find(isStopped);

/** A refusal: one line for a person, no stack trace, and the exit code asked for. */
export const refused = (r: CliResult, status: number, pattern: RegExp): void => {
  assert.equal(r.status, status, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
};
