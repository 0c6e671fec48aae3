/**
 * Recovery benchmark: `lto recover` of a tape whose journal holds 1,000,000 file entries
 * (issue target: under 20 s), then `lto catalog rebuild` of that catalog (under 10 s).
 * The journal is written with the real journal writer (the segments themselves are not
 * needed to rebuild a catalog); the two commands run as a user runs them.
 *
 *   npm run bench:recovery -- [--entries 1000000] [--dir /tmp] [--keep]   (--keep: leave the tape, for profiling)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CURRENT_SCHEMA, type ArchivedEntry, type DomainEvent } from '../domain/events';
import type { EventEnvelope } from '../domain/envelope';
import { appendToJournal, readJournal } from '../infrastructure/journal';
import { newUuidV7 } from '../infrastructure/ids';
import { readVolumeLabel } from '../infrastructure/tape/volume-label-file';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? (argv[i + 1] ?? fallback) : fallback;
};
const ENTRIES = Number(arg('entries', '1000000'));
const PER_EVENT = 2000;
const PER_SEGMENT = 50_000;
const BIN = path.resolve(__dirname, '../../bin/lto.js');
const TAPE = '000100L9';

const base = fs.mkdtempSync(path.join(arg('dir', os.tmpdir()), 'lto-recovery-bench-'));

const envelope = (stream: string, version: number, event: DomainEvent): EventEnvelope => ({
  id: newUuidV7() as never,
  stream,
  version,
  type: event.type,
  schema: CURRENT_SCHEMA[event.type],
  at: new Date().toISOString(),
  data: event.data,
});

/** A backup job of ENTRIES files in folders of 1000, with its segments and a completion. */
const writeJournal = (mount: string): void => {
  const archive = path.join(mount, 'LTO-ARCHIVE');
  const label = readVolumeLabel(archive);
  if (label._tag === 'Left') throw new Error('no label');
  const journalPath = path.join(archive, 'journal.ndjson');
  const read = readJournal(journalPath, label.right.hash);
  if (read._tag === 'Left') throw new Error('journal unreadable');
  let head = read.right.head;
  const job = newUuidV7();
  const stream = `job-${job}`;
  let version = 0;
  const append = (events: DomainEvent[]): void => {
    const appended = appendToJournal(journalPath, head, events.map((e) => envelope(stream, ++version, e)));
    if (appended._tag === 'Left') throw new Error(JSON.stringify(appended.left));
    head = appended.right.head;
  };
  // Ids here are built by the bench itself; the CLI decodes and checks every one when it reads them.
  const jobId = job as never;
  const tape = TAPE as never;
  append([{ type: 'JobStarted', data: { job: jobId, tape, type: 'BACKUP', mode: 'FULL', encrypted: false, sources: ['/data'] } }]);
  let n = 0;
  for (let segment = 1; n < ENTRIES; segment++) {
    const count = Math.min(PER_SEGMENT, ENTRIES - n);
    const events: DomainEvent[] = [{ type: 'SegmentClosed', data: { job: jobId, segment, bytes: count * 5120, sha256: '0'.repeat(64), entries: count } }];
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
      events.push({ type: 'FilesArchived', data: { job: jobId, segment, entries } });
    }
    append(events);
  }
  append([{ type: 'JobCompleted', data: { job: jobId, files: ENTRIES, bytesRead: ENTRIES * 4096, bytesWritten: ENTRIES * 5120, warnings: 0 } }]);
};

const timed = (args: readonly string[], home: string): { seconds: number; rssMiB: number } => {
  execFileSync('sync');
  const started = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, BIN, ...args], { env: { ...process.env, LTO_HOME: home, NO_COLOR: '1' }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`lto ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const lines = r.stderr.trim().split('\n');
  return { seconds, rssMiB: Math.round(Number(lines[lines.length - 1]) / 1024) };
};

const main = (): void => {
  try {
    const mount = path.join(base, 'tape');
    fs.mkdirSync(mount);
    execFileSync(process.execPath, [BIN, 'tape', 'add', TAPE, '--mount', mount], { env: { ...process.env, LTO_HOME: path.join(base, 'writer') } });
    writeJournal(mount);
    const journalBytes = fs.statSync(path.join(mount, 'LTO-ARCHIVE', 'journal.ndjson')).size;
    const home = path.join(base, 'recovered');
    const recover = timed(['recover', '--mount', mount, '--json'], home);
    const rebuild = timed(['catalog', 'rebuild'], home);
    console.log(`\nrecovery of ${ENTRIES.toLocaleString('en')} file entries (journal ${(journalBytes / 1e6).toFixed(0)} MB)\n`);
    console.log('| step | seconds | target | peak RSS |');
    console.log('| --- | --- | --- | --- |');
    console.log(`| lto recover | ${recover.seconds.toFixed(1)} | 20 | ${recover.rssMiB} MiB |`);
    console.log(`| lto catalog rebuild | ${rebuild.seconds.toFixed(1)} | 10 | ${rebuild.rssMiB} MiB |`);
  } finally {
    if (argv.includes('--keep')) console.log(`kept: ${base}`);
    else fs.rmSync(base, { recursive: true, force: true });
  }
};

main();
