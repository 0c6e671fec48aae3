/**
 * Event store benchmark (issue 21, item 6): append 1,000,000 file entries as a backup
 * records them (FilesArchived events of up to 2000 entries, a SegmentClosed per 50,000,
 * one append per segment) and replay them through readAll, into PostgreSQL and into
 * SQLite in the same run. PostgreSQL is a throwaway cluster (test/support/postgres.ts)
 * with fsync on, SQLite a file with synchronous=FULL: both durable per commit.
 *
 * Reported per store, as median (min-max) over `--runs`: wall seconds, the CPU seconds of
 * this node process, and for PostgreSQL also of the server (postmaster and backends,
 * from /proc), with the 1-minute load average before the runs: the machine may be shared.
 *
 * Then the cost of the append lock (every write of every host holds it to commit): SMALL
 * appends of one small event each, one at a time from one connection, against as many
 * from two stores (two hosts) with 8 appends in flight in each; appends per second.
 *
 *   npm run bench:pg -- [--files 1000000] [--runs 3] [--small-appends 1000] [--dir /tmp]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { lastValueFrom, reduce } from 'rxjs';
import { CURRENT_SCHEMA, type ArchivedEntry, type DomainEvent } from '../domain/events';
import type { EventEnvelope } from '../domain/envelope';
import { PgEventStore } from '../infrastructure/event-store/pg-event-store';
import { SqliteEventStore } from '../infrastructure/event-store/sqlite-event-store';
import { newUuidV7 } from '../infrastructure/uuid-v7';
import { postgresSkipReason, startPostgres } from '../test/support/postgres';
import { loadNow, spread } from './measure';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? (argv[i + 1] ?? fallback) : fallback;
};
const FILES = Number(arg('files', '1000000'));
const RUNS = Number(arg('runs', '3'));
const DIR = arg('dir', os.tmpdir());
/** Small appends for the cost of the append lock (0: skip that part). */
const SMALL = Number(arg('small-appends', '1000'));
const PER_EVENT = 2000;
const PER_SEGMENT = 50_000;

/** The appends of one backup job of FILES entries, generated lazily (a million entries do not sit in memory). */
function* backupAppends(): Generator<EventEnvelope[]> {
  const job = newUuidV7() as never;
  const stream = `job-${job}`;
  let version = 0;
  const envelope = (event: DomainEvent): EventEnvelope => ({
    id: newUuidV7() as never,
    stream,
    version: ++version,
    type: event.type,
    schema: CURRENT_SCHEMA[event.type],
    at: '2026-12-08T03:00:00.000Z',
    data: event.data,
  });
  yield [envelope({ type: 'JobStarted', data: { job, tape: '000100L9' as never, type: 'BACKUP', mode: 'FULL', encrypted: false, sources: ['/data'] } })];
  let n = 0;
  for (let segment = 1; n < FILES; segment++) {
    const count = Math.min(PER_SEGMENT, FILES - n);
    const events: EventEnvelope[] = [];
    for (let done = 0; done < count; done += PER_EVENT) {
      const entries: ArchivedEntry[] = [];
      for (let i = 0; i < Math.min(PER_EVENT, count - done); i++, n++) {
        entries.push({
          path: `/data/dir-${String(Math.floor(n / 1000)).padStart(4, '0')}/file-${n % 1000}.dat`,
          kind: 'file',
          size: 4096,
          mtimeNs: '1764000000123456789',
          mode: 0o644,
          offset: (n % PER_SEGMENT) * 5120 + 512,
          sha256: n.toString(16).padStart(64, '0'),
          uid: 1000,
          gid: 1000,
        });
      }
      events.push(envelope({ type: 'FilesArchived', data: { job, segment, entries } }));
    }
    events.push(envelope({ type: 'SegmentClosed', data: { job, segment, bytes: count * 5120, sha256: '0'.repeat(64), entries: count } }));
    yield events;
  }
}

interface Store {
  append(events: readonly EventEnvelope[]): unknown;
  readAll: SqliteEventStore['readAll'];
}

interface Timing {
  readonly seconds: number;
  readonly cpu: number;
  readonly serverCpu: number;
}

const cpuNow = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** User + system CPU seconds of a process and its children (PostgreSQL's backends), from /proc. */
const treeCpu = (root: number | undefined): number => {
  if (root === undefined) return 0;
  const tick = 100; // USER_HZ on Linux
  let total = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(fields[1]);
      if (Number(entry) !== root && ppid !== root) continue;
      total += (Number(fields[11]) + Number(fields[12])) / tick;
    } catch {
      // The process ended meanwhile.
    }
  }
  return total;
};

const timed = async (work: () => Promise<void>, server?: number): Promise<Timing> => {
  const started = process.hrtime.bigint();
  const cpu = cpuNow();
  const serverCpu = treeCpu(server);
  await work();
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, cpu: cpuNow() - cpu, serverCpu: treeCpu(server) - serverCpu };
};

/** Appends the backup, the generation of each batch outside the timing. */
const appendAll = async (store: Store, server?: number): Promise<Timing> => {
  let seconds = 0;
  let cpu = 0;
  let serverCpu = 0;
  for (const batch of backupAppends()) {
    const t = await timed(async () => {
      await store.append(batch);
    }, server);
    seconds += t.seconds;
    cpu += t.cpu;
    serverCpu += t.serverCpu;
  }
  return { seconds, cpu, serverCpu };
};

const replayAll = async (store: Store, server?: number): Promise<Timing> => {
  let entries = 0;
  const t = await timed(async () => {
    entries = await lastValueFrom(
      store.readAll(0, 50).pipe(
        reduce((sum, batch) => sum + batch.reduce((n, e) => n + (e.type === 'FilesArchived' ? countEntries(e.data) : 0), 0), 0),
      ),
    );
  }, server);
  if (entries !== FILES) throw new Error(`replayed ${entries} entries, not ${FILES}`);
  return t;
};

const countEntries = (data: unknown): number =>
  typeof data === 'object' && data !== null && 'entries' in data && Array.isArray(data.entries) ? data.entries.length : 0;

/** Appends per second: `count` one-event appends spread over `stores`, `inFlight` at a time in each. */
const smallAppends = async (stores: readonly Store[], count: number, inFlight: number, prefix: string): Promise<number> => {
  const started = process.hrtime.bigint();
  let next = 0;
  const worker = async (store: Store): Promise<void> => {
    for (let i = next++; i < count; i = next++) {
      const result: unknown = await store.append([{ id: newUuidV7() as never, stream: `label-${prefix}-${i}`, version: 1, type: 'TestHappened', schema: 1, at: '2026-12-08T03:00:00.000Z', data: { i } }]);
      if (typeof result !== 'object' || result === null || !('_tag' in result) || result._tag !== 'Right') throw new Error(JSON.stringify(result));
    }
  };
  await Promise.all(stores.flatMap((store) => Array.from({ length: inFlight }, () => worker(store))));
  return count / (Number(process.hrtime.bigint() - started) / 1e9);
};

const lockCost = async (server: { createDatabase(): Promise<string> }): Promise<string> => {
  const url = await server.createDatabase();
  const one = await PgEventStore.open(url, { maxConnections: 1 });
  const hosts = [await PgEventStore.open(url, { maxConnections: 8 }), await PgEventStore.open(url, { maxConnections: 8 })];
  try {
    const load = loadNow();
    const serial = await smallAppends([one], SMALL, 1, 'serial');
    const concurrent = await smallAppends(hosts, SMALL, 8, 'concurrent');
    const folder = fs.mkdtempSync(path.join(DIR, 'lto-pg-bench-'));
    const db = new Database(path.join(folder, 'catalog.db'));
    const sqlite = await smallAppends([new SqliteEventStore(db)], SMALL, 1, 'sqlite');
    db.close();
    fs.rmSync(folder, { recursive: true, force: true });
    return (
      `${SMALL} one-event appends (load ${load.toFixed(1)}): PostgreSQL one at a time ${serial.toFixed(0)}/s, two hosts with 16 in flight ` +
      `${concurrent.toFixed(0)}/s; SQLite one at a time ${sqlite.toFixed(0)}/s`
    );
  } finally {
    for (const s of [one, ...hosts]) await s.close();
  }
};

const main = async (): Promise<void> => {
  const skip = postgresSkipReason();
  if (skip !== undefined) throw new Error(skip);
  const results: Record<string, Timing[]> = { 'sqlite append': [], 'sqlite replay': [], 'pg append': [], 'pg replay': [] };
  const loads: number[] = [];
  let lockLine = '';
  const server = await startPostgres({ fsync: true });
  try {
    for (let run = 0; run < RUNS; run++) {
      loads.push(loadNow());
      const folder = fs.mkdtempSync(path.join(DIR, 'lto-pg-bench-'));
      const db = new Database(path.join(folder, 'catalog.db'));
      const sqlite = new SqliteEventStore(db);
      results['sqlite append']!.push(await appendAll(sqlite));
      results['sqlite replay']!.push(await replayAll(sqlite));
      db.close();
      fs.rmSync(folder, { recursive: true, force: true });
      const pg = await PgEventStore.open(await server.createDatabase());
      results['pg append']!.push(await appendAll(pg, server.pid));
      results['pg replay']!.push(await replayAll(pg, server.pid));
      await pg.close();
      process.stderr.write(`run ${run + 1}/${RUNS} done\n`);
    }
    if (SMALL > 0) lockLine = await lockCost(server);
  } finally {
    await server.stop();
  }
  console.log(`${FILES} file entries, ${RUNS} runs, load before each run: ${loads.map((l) => l.toFixed(1)).join(', ')}, ${os.cpus().length} CPUs`);
  for (const [name, ts] of Object.entries(results)) {
    if (ts.length === 0) continue;
    const server = name.startsWith('pg') ? `, server ${spread(ts.map((t) => t.serverCpu), 2)} CPU-s` : '';
    console.log(`${name}: ${spread(ts.map((t) => t.seconds), 2)} s, node ${spread(ts.map((t) => t.cpu), 2)} CPU-s${server}`);
  }
  if (lockLine !== '') console.log(lockLine);
};

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
