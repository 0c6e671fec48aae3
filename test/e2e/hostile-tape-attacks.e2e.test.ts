import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import * as E from 'fp-ts/Either';
import type { EventEnvelope } from '../../domain/envelope';
import { appendToJournal, encodeRecord } from '../../infrastructure/journal';
import { readVolumeLabel } from '../../infrastructure/tape/volume-label-file';
import { REPO_ROOT, sandbox, type Sandbox } from '../support/cli';
import { newUuidV7 } from '../../infrastructure/uuid-v7';
import { newEventId } from '../support/events';
import { everyPathUnder, readTapeJournal } from '../support/tape-checks';

/**
 * Hostile tapes (issue 7 §4), through the real CLI: journals, segments and labels crafted
 * to attack the reader. Each is refused or reported, with one line and a non-zero exit,
 * and nothing is ever written outside the restore target.
 */
const TAPE = '000666L8';
const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const at = '2026-11-26T10:00:00.000Z';
const envelope = (stream: string, version: number, type: string, data: unknown): EventEnvelope => ({ id: newEventId(), stream, version, type, schema: 1, at, data });


describe('hostile tapes: refused or reported, never followed out of the restore target', () => {
  let box: Sandbox;
  let mount: string;
  let archive: string;
  let journal: string;
  beforeEach(() => {
    box = sandbox();
    mount = box.mountPoint('tape');
    archive = path.join(mount, 'LTO-ARCHIVE');
    journal = path.join(archive, 'journal.ndjson');
    assert.equal(box.lto(['tape', 'add', TAPE, '--mount', mount]).status, 0);
  });
  afterEach(() => box.cleanup());

  /** Appends crafted events after the journal's head with the real writer: a valid chain. */
  const append = (events: readonly EventEnvelope[]): void => {
    const read = readTapeJournal(mount);
    const appended = appendToJournal(journal, read.head, events);
    assert.ok(E.isRight(appended), JSON.stringify(appended));
  };

  /** A finished backup job whose one segment holds `data` and whose catalogue says `entries`. */
  const craftJob = (data: Buffer, entries: readonly unknown[]): string => {
    const job = newUuidV7();
    const segment = path.join(archive, 'jobs', job, '1.tar');
    fs.mkdirSync(path.dirname(segment), { recursive: true });
    fs.writeFileSync(segment, data);
    const stream = `job-${job}`;
    append([
      envelope(stream, 1, 'JobStarted', { job, tape: TAPE, type: 'BACKUP', encrypted: false, mode: 'FULL', sources: ['/'] }),
      envelope(stream, 2, 'SegmentClosed', { job, segment: 1, bytes: data.length, sha256: sha(data), entries: entries.length }),
      envelope(stream, 3, 'FilesArchived', { job, segment: 1, entries }),
      envelope(stream, 4, 'JobCompleted', { job, files: entries.length, bytesRead: data.length, bytesWritten: data.length, warnings: 0 }),
    ]);
    // A contact imports them, as it would for a tape written elsewhere.
    const shown = box.lto(['tape', 'show', TAPE]);
    assert.equal(shown.status, 0, shown.stderr);
    return job;
  };

  it('refuses drive-letter, UNC, NUL, empty-component and relative paths; survives sizes far beyond the segment', () => {
    const data = Buffer.from('pwned');
    const file = (p: string, extra: object = {}) => ({ path: p, kind: 'file', size: data.length, mtimeNs: '0', mode: 0o644, offset: 0, sha256: sha(data), ...extra });
    craftJob(data, [
      file('C:/Windows/evil.txt'),
      file('C:\\Windows\\evil.txt'),
      file('\\\\server\\share\\evil.txt'),
      file('/nul\u0000byte.txt'),
      file('/a//double.txt'),
      file('/a/./dot.txt'),
      file('/a/b/../../../up.txt'),
      file('/huge.bin', { size: 2 ** 50 }),
      file('/far.bin', { offset: 2 ** 40 }),
      file('/fine/ok.txt'),
    ]);
    const to = box.mountPoint('restore-here');
    const before = everyPathUnder(box.root).filter((p) => !p.startsWith(to));
    const started = Date.now();
    const r = box.lto(['restore', TAPE, '--to', to, '--json']);
    assert.equal(r.status, 1, r.stderr + r.stdout);
    assert.ok(Date.now() - started < 20_000, 'no hang on a 1 PiB claim');
    assert.notEqual(r.stdout, '', r.stderr);
    const report = JSON.parse(r.stdout);
    const problems = new Map<string, string>(report.problems.map((p: { path: string; kind: string }) => [p.path, p.kind]));
    for (const bad of ['C:/Windows/evil.txt', 'C:\\Windows\\evil.txt', '\\\\server\\share\\evil.txt', '/nul\u0000byte.txt', '/a//double.txt', '/a/./dot.txt', '/a/b/../../../up.txt']) {
      // A path without any `/` is shown as the catalog keeps it: `./C:\...` (never made absolute).
      assert.equal(problems.get(bad) ?? problems.get(`./${bad}`), 'refused', `${JSON.stringify(bad)} is refused`);
    }
    for (const beyond of ['/huge.bin', '/far.bin']) assert.ok(problems.has(beyond), `${beyond} (claims bytes the segment has not) is reported`);
    assert.equal(fs.readFileSync(path.join(to, 'fine', 'ok.txt'), 'utf8'), 'pwned');
    assert.deepEqual(everyPathUnder(to).filter((p) => fs.lstatSync(p).isFile()).map((p) => path.relative(to, p)), ['fine/ok.txt'], 'no partial file of a claim beyond the segment is left');
    // lto's own data folder may learn how the restore target's file system is best written (io-paths.json): not a write of the tape's.
    const probeMemory = path.join(box.home, 'io-paths.json');
    assert.deepEqual(everyPathUnder(box.root).filter((p) => !p.startsWith(to) && p !== probeMemory), before, 'nothing written outside the restore target');
  });

  it('writes nothing through symlinks, whatever their order, target or depth', () => {
    const data = Buffer.from('through');
    const file = (p: string) => ({ path: p, kind: 'file', size: data.length, mtimeNs: '0', mode: 0o644, offset: 0, sha256: sha(data) });
    const link = (p: string, target: string) => ({ path: p, kind: 'symlink', size: 0, mtimeNs: '0', mode: 0o777, target });
    const outside = box.mountPoint('outside');
    craftJob(data, [
      link('/l/abs', outside),
      file('/l/abs/x.txt'),
      link('/l/rel', '../../../../../../..'),
      file('/l/rel/tmp/y.txt'),
      file('/m/dir/z.txt'),
      link('/m/dir', outside),
      file('/m/dir/after.txt'),
    ]);
    const to = box.mountPoint('restore-here');
    const r = box.lto(['restore', TAPE, '--to', to, '--json']);
    assert.notEqual(r.status, null, r.stderr);
    assert.deepEqual(fs.readdirSync(outside), [], 'nothing reached the folder the links point at');
    for (const p of everyPathUnder(to)) {
      const real = fs.realpathSync(p);
      assert.ok(real.startsWith(to) || fs.lstatSync(p).isSymbolicLink(), `${p} stays inside`);
    }
  });

  it('refuses a journal with a duplicate or a missing sequence number, naming the record (exit 4)', () => {
    const lines = fs.readFileSync(journal, 'utf8').split('\n').filter((l) => l !== '');
    const last = lines.at(-1)!;
    const lastSeq = JSON.parse(last).seq;
    const hash = sha(Buffer.from(last));
    const event = envelope(`tape-${TAPE}`, 2, 'TapeDescribed', { tape: TAPE, description: 'x' });
    const pristine = fs.readFileSync(journal);
    for (const seq of [lastSeq, lastSeq + 2]) {
      const record = encodeRecord(seq, hash, event);
      assert.ok(E.isRight(record));
      fs.writeFileSync(journal, Buffer.concat([pristine, record.right.line, Buffer.from('\n')]));
      const shown = box.lto(['tape', 'show', TAPE]);
      assert.equal(shown.status, 4, shown.stderr);
      assert.equal(shown.stderr.trim().split('\n').length, 1, shown.stderr);
      assert.match(shown.stderr, new RegExp(`record ${lastSeq + 1} \\(line ${lastSeq + 1}\\) is damaged: .*line ${lastSeq + 1} holds record ${seq}`));
    }
  });

  it('refuses a journal whose events name another tape: nothing is imported (exit 4)', () => {
    for (const events of [
      [envelope(`tape-000001L8`, 1, 'TapeDescribed', { tape: '000001L8', description: 'not yours' })],
      [envelope(`job-${newUuidV7()}`, 1, 'JobStarted', { job: newUuidV7(), tape: '000001L8', type: 'BACKUP', encrypted: false, mode: 'FULL', sources: ['/'] })],
    ]) {
      const pristine = fs.readFileSync(journal);
      append(events);
      const shown = box.lto(['tape', 'show', TAPE]);
      assert.equal(shown.status, 4, shown.stderr);
      assert.match(shown.stderr, /holds an event that is not about it .*000001L8.*nothing was imported/);
      fs.writeFileSync(journal, pristine);
    }
    assert.equal(box.json<{ events: unknown[] }>(['tape', 'history', TAPE]).events.length, 3, 'the catalog took none of them');
  });

  it('refuses a volume.json or a key slot with absurd scrypt parameters at once, without running scrypt', () => {
    const fixture = path.join(REPO_ROOT, 'test', 'fixtures', 'golden-v1-encrypted');
    for (const [field, value] of [['logN', 40], ['r', 1_000_000], ['p', 1_000_000], ['logN', 20.5]] as const) {
      const tape = box.mountPoint(`enc-${field}-${value}`);
      fs.cpSync(fixture, tape, { recursive: true });
      const labelFile = path.join(tape, 'LTO-ARCHIVE', 'volume.json');
      const label = JSON.parse(fs.readFileSync(labelFile, 'utf8'));
      label.encryption.slots[0].kdf[field] = value;
      fs.writeFileSync(labelFile, `${JSON.stringify(label, null, 2)}\n`);
      const started = Date.now();
      const added = box.lto(['tape', 'add', '000778L8', '--mount', tape]);
      assert.equal(added.status, 4, added.stderr);
      assert.match(added.stderr, /volume\.json.*(logN|kdf|scrypt|ScryptParams)/);
      assert.ok(Date.now() - started < 10_000);
    }
    // A slot added later by the journal is held to the same limits.
    const tape = box.mountPoint('enc-journal-slot');
    fs.cpSync(fixture, tape, { recursive: true });
    const label = readVolumeLabel(path.join(tape, 'LTO-ARCHIVE'));
    assert.ok(E.isRight(label));
    const slot = JSON.parse(fs.readFileSync(path.join(tape, 'LTO-ARCHIVE', 'volume.json'), 'utf8')).encryption.slots[0];
    const file = path.join(tape, 'LTO-ARCHIVE', 'journal.ndjson');
    const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
    const head = { seq: JSON.parse(lines.at(-1)!).seq, hash: sha(Buffer.from(lines.at(-1)!)) };
    const version = lines.filter((l) => JSON.parse(l).event.stream === 'tape-000778L8').length + 1;
    const hostile = envelope('tape-000778L8', version, 'KeySlotAdded', { tape: '000778L8', slot: { ...slot, id: '00000000000000ff', kdf: { ...slot.kdf, logN: 40 } } });
    assert.ok(E.isRight(appendToJournal(file, head, [hostile])));
    const added = box.lto(['tape', 'add', '000778L8', '--mount', tape]);
    assert.equal(added.status, 4, added.stderr);
    assert.match(added.stderr, /KeySlotAdded does not decode/);
  });
});
