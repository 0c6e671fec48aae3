import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dumpCatalog } from '../support/catalog-dump';
import { journalLines, sandbox, type Sandbox } from '../support/cli';
import { treeFacts } from '../support/trees';

const PASSPHRASE = 'recovery tests passphrase';
const KiB = 1024;

/** A source tree that changes between backups: edits, a new file, a deletion, a link. */
const writeTree = (root: string, round: number): void => {
  fs.mkdirSync(path.join(root, 'docs', 'deep'), { recursive: true });
  fs.writeFileSync(path.join(root, 'docs', 'notes.txt'), `notes, round ${round}\n`);
  fs.writeFileSync(path.join(root, 'docs', 'deep', `added-${round}.bin`), Buffer.alloc(64 * KiB + round, 0x41 + round));
  if (round === 0) fs.symlinkSync('docs/notes.txt', path.join(root, 'link'));
  if (round === 2) fs.rmSync(path.join(root, 'docs', 'deep', 'added-0.bin'));
};

interface Setup {
  readonly box: Sandbox;
  readonly mounts: Record<string, string>;
  readonly source: string;
}

/** Tapes with a full and two incremental backups and a verify each; `encrypted` ids get a passphrase slot. */
const setUp = (tapes: readonly string[], encrypted: readonly string[] = []): Setup => {
  const box = sandbox();
  const env = { LTO_PASSPHRASE: PASSPHRASE };
  const source = path.join(box.root, 'source');
  const mounts: Record<string, string> = {};
  for (const tape of tapes) {
    mounts[tape] = box.mountPoint(`tape-${tape}`);
    const encrypt = encrypted.includes(tape) ? ['--encrypt', 'passphrase'] : [];
    assert.equal(box.lto(['tape', 'add', tape, '--mount', mounts[tape]!, ...encrypt], env).status, 0);
  }
  for (let round = 0; round < 3; round++) {
    writeTree(source, round);
    for (const tape of tapes) {
      const r = box.lto(['backup', tape, source, ...(round === 0 ? [] : ['--incremental'])], env);
      assert.equal(r.status, 0, r.stderr);
    }
  }
  for (const tape of tapes) assert.equal(box.lto(['verify', tape], env).status, 0);
  assert.equal(box.lto(['label', 'create', 'offsite', '--color', '#ff8800']).status, 0);
  for (const tape of tapes) assert.equal(box.lto(['label', 'assign', tape, 'offsite']).status, 0);
  return { box, mounts, source };
};

const catalogFile = (box: Sandbox): string => path.join(box.home, 'catalog.db');

const deleteCatalog = (box: Sandbox): void => {
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${catalogFile(box)}${suffix}`, { force: true });
};

describe('recovery from tapes alone', () => {
  let s: Setup;
  before(() => {
    s = setUp(['000031L8', '000032L8'], ['000032L8']);
  });
  after(() => s.box.cleanup());

  it('rebuilds the same catalog from one plain tape, from one encrypted tape (without its key), and from both', () => {
    const original = dumpCatalog(catalogFile(s.box));
    const jobsBefore = s.box.json<{ jobs: unknown[] }>(['jobs']).jobs.length;
    assert.ok(jobsBefore >= 10);
    deleteCatalog(s.box);
    const plain = s.box.lto(['recover', '--mount', s.mounts['000031L8']!, '--json']);
    assert.equal(plain.status, 0, plain.stderr);
    const encrypted = s.box.lto(['recover', '--mount', s.mounts['000032L8']!, '--json']);
    assert.equal(encrypted.status, 0, encrypted.stderr);
    assert.equal(dumpCatalog(catalogFile(s.box)), original);
    deleteCatalog(s.box);
    const both = s.box.lto(['recover', '--mount', s.mounts['000031L8']!, '--mount', s.mounts['000032L8']!, '--json']);
    assert.equal(both.status, 0, both.stderr);
    const report = JSON.parse(both.stdout) as { complete: boolean; tapes: { tape: string; jobs: number; encrypted: boolean }[] };
    assert.equal(report.complete, true);
    assert.deepEqual(report.tapes.map((t) => [t.tape, t.jobs, t.encrypted]), [['000031L8', 5, false], ['000032L8', 5, true]]);
    assert.equal(dumpCatalog(catalogFile(s.box)), original);
    assert.equal(s.box.lto(['catalog', 'check']).status, 0);
    const tapes = s.box.json<{ tapes: { tape: string; labels: unknown[] }[] }>(['tape', 'list']).tapes;
    assert.deepEqual(tapes.map((t) => [t.tape, t.labels.length]), [['000031L8', 1], ['000032L8', 1]]);
  });

  it('is idempotent: a second recovery adds nothing', () => {
    const before = dumpCatalog(catalogFile(s.box));
    const again = s.box.lto(['recover', '--mount', s.mounts['000031L8']!, '--mount', s.mounts['000032L8']!, '--json']);
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual((JSON.parse(again.stdout) as { tapes: { imported: number }[] }).tapes.map((t) => t.imported), [0, 0]);
    assert.equal(dumpCatalog(catalogFile(s.box)), before);
  });

  it('brings the key slots back: the recovered encrypted tape unlocks and restores the latest tree', () => {
    assert.equal(s.box.json<{ slots: unknown[] }>(['tape', 'keys', '000032L8']).slots.length, 1);
    const locked = s.box.lto(['browse', '000032L8', '--json']);
    assert.match(locked.stdout, /\[locked /);
    const to = path.join(s.box.root, 'restored-encrypted');
    const restore = s.box.lto(['restore', '000032L8', '--to', to], { LTO_PASSPHRASE: PASSPHRASE });
    assert.equal(restore.status, 0, restore.stderr);
    assert.deepEqual(treeFacts(path.join(to, s.source)), treeFacts(s.source));
  });
});

describe('damage: verify and recover report exactly it, and recover all the rest', () => {
  let s: Setup;
  let mount: string;
  let segments: string[];
  const tape = '000041L8';
  before(() => {
    s = setUp([tape]);
    mount = s.mounts[tape]!;
    const jobs = path.join(mount, 'LTO-ARCHIVE', 'jobs');
    segments = fs.readdirSync(jobs).sort().map((job) => path.join(jobs, job, '1.tar'));
  });
  after(() => s.box.cleanup());

  const verify = () => {
    const r = s.box.lto(['verify', tape, '--json']);
    return { status: r.status, report: JSON.parse(r.stdout) as { verdict: string; journal: { damaged: unknown[] }; jobs: { verdict: string; damaged: { path: string; verdict: string }[] }[] } };
  };
  const withDamage = (file: string, damage: (bytes: Buffer) => Buffer | undefined, check: () => void): void => {
    const original = fs.readFileSync(file);
    const damaged = damage(Buffer.from(original));
    if (damaged === undefined) fs.rmSync(file);
    else fs.writeFileSync(file, damaged);
    try {
      check();
    } finally {
      fs.writeFileSync(file, original);
    }
  };

  it('a flipped byte in a segment: the file that holds it is CORRUPTED, nothing else', () => {
    withDamage(segments[0]!, (b) => {
      // Inside added-0.bin's data: 64 KiB of 'A'.
      const at = b.indexOf(Buffer.alloc(4096, 0x41)) + 10;
      b[at]! ^= 0xff;
      return b;
    }, () => {
      const { status, report } = verify();
      assert.equal(status, 4);
      const damaged = report.jobs.flatMap((j) => j.damaged);
      assert.deepEqual(damaged.map((d) => [path.basename(d.path), d.verdict]), [['added-0.bin', 'CORRUPTED']]);
      assert.deepEqual(report.jobs.map((j) => j.verdict), ['CORRUPTED', 'PASSED', 'PASSED']);
    });
  });

  it('a deleted segment: its files are MISSING', () => {
    withDamage(segments[1]!, () => undefined, () => {
      const { status, report } = verify();
      assert.equal(status, 4);
      assert.equal(report.jobs[1]!.verdict, 'MISSING');
      assert.ok(report.jobs[1]!.damaged.length >= 2);
      assert.deepEqual([report.jobs[0]!.verdict, report.jobs[2]!.verdict], ['PASSED', 'PASSED']);
    });
  });

  it('a truncated segment: the files past the cut are reported', () => {
    withDamage(segments[2]!, (b) => b.subarray(0, 3000), () => {
      const { status, report } = verify();
      assert.equal(status, 4);
      assert.notEqual(report.jobs[2]!.verdict, 'PASSED');
      assert.ok(report.jobs[2]!.damaged.some((d) => d.path.endsWith('added-2.bin')));
    });
  });

  it('a flipped byte in a journal record: verify names it; recover --salvage skips it and finds the lost entries in the segment', () => {
    const journal = path.join(mount, 'LTO-ARCHIVE', 'journal.ndjson');
    const lines = journalLines(mount);
    const target = lines.findIndex((l) => l.includes('"FilesArchived"'));
    withDamage(journal, (b) => {
      const at = lines.slice(0, target).reduce((n, l) => n + Buffer.byteLength(l) + 1, 0) + 200;
      b[at]! ^= 0x01;
      return b;
    }, () => {
      const { status, report } = verify();
      assert.equal(status, 4);
      assert.equal(report.journal.damaged.length, 1);
      deleteCatalog(s.box);
      const strict = s.box.lto(['recover', '--mount', mount]);
      assert.equal(strict.status, 4);
      assert.match(strict.stderr, /--salvage/);
      deleteCatalog(s.box);
      const salvage = s.box.lto(['recover', '--mount', mount, '--salvage', '--json']);
      assert.equal(salvage.status, 4, salvage.stderr);
      const r = JSON.parse(salvage.stdout) as { tapes: { skipped: { record: number }[]; salvagedEntries: number; lost: string[] }[] };
      assert.deepEqual(r.tapes[0]!.skipped.map((k) => k.record), [target + 1]);
      assert.ok(r.tapes[0]!.salvagedEntries > 0);
      assert.deepEqual(r.tapes[0]!.lost, []);
      const to = path.join(s.box.root, 'after-salvage');
      const restore = s.box.lto(['restore', tape, '--to', to]);
      assert.equal(restore.status, 0, restore.stderr);
      // Entries found again in tar headers have whole-second times unless their member had a pax header.
      assert.deepEqual(treeFacts(path.join(to, s.source), { mtime: false }), treeFacts(s.source, { mtime: false }));
      assert.equal(s.box.lto(['catalog', 'check']).status, 0);
    });
  });

  it('a torn journal tail: recovery says so and recovers every record before it', () => {
    const journal = path.join(mount, 'LTO-ARCHIVE', 'journal.ndjson');
    const lines = journalLines(mount);
    withDamage(journal, (b) => b.subarray(0, b.length - 40), () => {
      deleteCatalog(s.box);
      const r = s.box.lto(['recover', '--mount', mount, '--json']);
      assert.equal(r.status, 4, r.stderr);
      const report = JSON.parse(r.stdout) as { tapes: { records: number; tornTail: { record: number } | null; skipped: unknown[] }[] };
      assert.equal(report.tapes[0]!.tornTail?.record, lines.length);
      assert.equal(report.tapes[0]!.records, lines.length - 1);
      assert.deepEqual(report.tapes[0]!.skipped, []);
    });
  });
});
