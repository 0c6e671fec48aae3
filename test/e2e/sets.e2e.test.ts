import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { journalLines, refused, sandbox, type Sandbox } from '../support/cli';
import { Pty } from '../support/pty';
import { seededBytes } from '../support/seeded';
import { archivedFiles, readTapeJournal } from '../support/tape-checks';

const TAPES = ['000201L6', '000202L6', '000203L6'] as const;
const KiB = 1024;

interface BackupJson {
  readonly set: string | null;
  readonly tape: string;
  readonly mode: string;
  readonly status: string;
  readonly files: number;
  readonly parts: readonly { readonly tape: string; readonly job: string }[];
  readonly plan: { readonly new: { files: number }; readonly modified: { files: number }; readonly unchanged: { files: number }; readonly deleted: number };
}
interface SetJson {
  readonly set: string;
  readonly copies: number;
  readonly tapes: readonly { readonly tape: string; readonly location: string }[];
  readonly onePlace: boolean;
}

describe('tape sets: a full and two incrementals across a set of three folder tapes (real CLI)', () => {
  let box: Sandbox;
  let src: string;
  const mounts: Record<string, string> = {};
  const write = (name: string, seed: number): void => fs.writeFileSync(path.join(src, name), seededBytes(200 * KiB, seed));
  const backup = (): BackupJson => {
    const r = box.lto(['backup', '--set', 'photos', src, '--json']);
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as BackupJson;
  };
  /** The files a backup wrote, by name, from the journals of the tapes it went on. */
  const written = (b: BackupJson): string[] =>
    [...new Set(b.parts.flatMap((p) => archivedFiles(readTapeJournal(mounts[p.tape]!).records, p.job)))].map((p) => path.basename(p)).sort();

  before(() => {
    box = sandbox();
    src = box.mountPoint('src');
    for (const tape of TAPES) mounts[tape] = box.mountPoint(tape);
    assert.equal(box.lto(['set', 'create', 'photos', '--copies', '2', '--description', 'family photos']).status, 0);
    for (const tape of TAPES) {
      const added = box.lto(['tape', 'add', tape, '--mount', mounts[tape]!, '--capacity', '1MiB', '--set', 'photos']);
      assert.equal(added.status, 0, added.stderr);
    }
  });
  after(() => box.cleanup());

  it('writes the full to the set\'s first tape, then each incremental only what changed, spanning to the next tape', () => {
    for (let i = 1; i <= 4; i++) write(`img-${i}.dng`, i);
    const full = backup();
    assert.equal(full.set, 'photos');
    assert.equal(full.mode, 'FULL');
    assert.deepEqual(full.parts.map((p) => p.tape), [TAPES[0]]);
    assert.equal(full.files, 4);

    for (let i = 5; i <= 7; i++) write(`img-${i}.dng`, i);
    const first = backup();
    assert.equal(first.mode, 'INCREMENTAL');
    assert.equal(first.status, 'SUCCESS');
    assert.deepEqual(first.parts.map((p) => p.tape), [TAPES[0], TAPES[1]], 'tape 1 fills up: the job goes on to the set\'s next tape');
    assert.equal(first.files, 3);
    assert.equal(first.plan.unchanged.files, 4);
    assert.deepEqual(written(first), ['img-5.dng', 'img-6.dng', 'img-7.dng']);

    write('img-1.dng', 101);
    fs.rmSync(path.join(src, 'img-2.dng'));
    for (let i = 8; i <= 11; i++) write(`img-${i}.dng`, i);
    const second = backup();
    assert.equal(second.mode, 'INCREMENTAL');
    assert.equal(second.status, 'SUCCESS');
    assert.deepEqual(second.parts.map((p) => p.tape), [TAPES[1], TAPES[2]], 'it starts where the last one ended, and spans to the third tape');
    assert.equal(second.plan.modified.files, 1);
    assert.equal(second.plan.unchanged.files, 5, 'files on tape 1, on tape 2 and split across both count as held');
    assert.equal(second.plan.deleted, 1, 'img-2.dng, held on tape 1, is gone');
    assert.equal(second.files, 5);
    assert.deepEqual(written(second), ['img-1.dng', 'img-10.dng', 'img-11.dng', 'img-8.dng', 'img-9.dng']);

    // Nothing changed since: the whole set holds the source, and img-2.dng is known gone.
    const plan = box.json<BackupJson>(['backup', '--set', 'photos', src, '--dry-run']).plan;
    assert.deepEqual([plan.new.files, plan.modified.files, plan.deleted, plan.unchanged.files], [0, 0, 0, 10]);
  });

  it('a tape of the set recovered alone knows its set and the set\'s copy policy', () => {
    const fresh = path.join(box.root, 'recovered.db');
    const recovered = box.lto(['--db', fresh, 'recover', '--mount', mounts[TAPES[2]]!]);
    assert.equal(recovered.status, 0, recovered.stderr);
    const shown = box.json<{ set: string | null }>(['--db', fresh, 'tape', 'show', TAPES[2]]);
    assert.equal(shown.set, 'photos');
    const set = box.json<SetJson>(['--db', fresh, 'set', 'show', 'photos']);
    assert.equal(set.copies, 2);
    assert.deepEqual(set.tapes.map((t) => t.tape), [TAPES[2]]);
  });

  it('records moves as tape events, shows them in tape list and report, and flags a set kept in one place', () => {
    const before = box.json<{ sets: SetJson[] }>(['report', '--fail-on', 'never']).sets;
    assert.deepEqual(before.map((s) => [s.set, s.onePlace]), [['photos', true]]);
    assert.match(box.lto(['report', '--fail-on', 'never']).stdout, /set photos: all 3 tapes are in one place \(library\)/);
    const html = path.join(box.root, 'report.html');
    assert.equal(box.lto(['report', '--fail-on', 'never', '--html', html]).status, 0);
    assert.match(fs.readFileSync(html, 'utf8'), /class="flag" data-set="photos">Set photos: all 3 tapes are in one place \(library\)/);

    const moved = box.json<{ location: string; changed: boolean; pending: boolean }>(['tape', 'move', TAPES[0], '--to', 'Vault B', '--mount', mounts[TAPES[0]]!]);
    assert.deepEqual([moved.location, moved.changed, moved.pending], ['Vault B', true, false]);
    const last = JSON.parse(journalLines(mounts[TAPES[0]]!).at(-1)!) as { event: { type: string; data: unknown } };
    assert.deepEqual([last.event.type, last.event.data], ['TapeMoved', { tape: TAPES[0], location: 'Vault B' }]);
    assert.equal(box.json<{ changed: boolean }>(['tape', 'move', TAPES[1], '--to', 'SHELF']).changed, true);

    const tapes = box.json<{ tapes: { tape: string; set: string | null; location: string }[] }>(['tape', 'list']).tapes;
    assert.deepEqual(tapes.map((t) => [t.tape, t.set, t.location]), [[TAPES[0], 'photos', 'Vault B'], [TAPES[1], 'photos', 'shelf'], [TAPES[2], 'photos', 'library']]);
    assert.match(box.lto(['tape', 'list']).stdout, /000201L6.*photos\s+Vault B/);
    const report = box.json<{ tapes: { tape: string; location: string }[]; sets: SetJson[] }>(['report', '--fail-on', 'never']);
    assert.equal(report.tapes.find((t) => t.tape === TAPES[0])?.location, 'Vault B');
    assert.deepEqual(report.sets.map((s) => s.onePlace), [false]);
    assert.equal(box.lto(['report', '--fail-on', 'never', '--html', html]).status, 0);
    const page = fs.readFileSync(html, 'utf8');
    assert.match(page, /data-location="Vault B"/);
    assert.doesNotMatch(page, /class="flag" data-set=/);
    // The set and location tables are projections like the others: a fresh replay gives the same rows.
    const check = box.lto(['catalog', 'check']);
    assert.equal(check.status, 0, check.stdout + check.stderr);
  });

  it('refuses bad input with one clear line and a non-zero exit, touching nothing', () => {
    refused(box.lto(['backup', '--set', 'nosuch', src]), 2, /no tape set nosuch/);
    refused(box.lto(['set', 'create', 'bad/name']), 2, /set name "bad\/name": expected 1-40 letters/);
    refused(box.lto(['set', 'create', 'x', '--copies', '0']), 2, /--copies "0": expected a whole number from 1 to 9/);
    refused(box.lto(['set', 'create', 'photos', '--copies', '3']), 2, /set photos already exists \(2 copies\)/);
    assert.equal(box.lto(['set', 'create', 'other']).status, 0);
    refused(box.lto(['set', 'add', 'other', TAPES[0]]), 2, /000201L6 is in set photos, not other/);
    refused(box.lto(['tape', 'move', TAPES[0], '--to', ' ']), 2, /--to " ": expected 1-60 printable characters/);
    refused(box.lto(['tape', 'add', '000209L6', '--mount', box.mountPoint('new'), '--set', 'nosuch']), 2, /no tape set nosuch/);
    assert.equal(box.lto(['tape', 'show', '000209L6']).status, 3, 'the tape of a refused add is not added');
    const outside = box.mountPoint('outside');
    assert.equal(box.lto(['tape', 'add', '000210L6', '--mount', outside]).status, 0);
    refused(box.lto(['backup', '--set', 'photos', src, '--mount', outside]), 2, /is 000210L6, which is not in set photos/);
    refused(box.lto(['backup', '--set', 'other', src]), 2, /set other has no tape yet/);
  });
});

describe('tape sets on a terminal', () => {
  let box: Sandbox;
  before(() => {
    box = sandbox();
  });
  after(() => box.cleanup());

  it("asks where the set's current tape is mounted when it is not where it was, then backs up to it", async () => {
    const src = box.mountPoint('src');
    fs.writeFileSync(path.join(src, 'a.txt'), 'first');
    const mount = box.mountPoint('drive-1');
    assert.equal(box.lto(['set', 'create', 'photos']).status, 0);
    assert.equal(box.lto(['tape', 'add', '000211L6', '--mount', mount, '--set', 'photos']).status, 0);
    assert.equal(box.lto(['backup', '--set', 'photos', src]).status, 0);
    // The cartridge is now in another drive.
    const moved = path.join(box.root, 'drive-2');
    fs.renameSync(mount, moved);
    fs.writeFileSync(path.join(src, 'b.txt'), 'second');

    const pty = new Pty(['backup', '--set', 'photos', src], { HOME: box.root, LTO_HOME: box.home, NO_COLOR: '1' });
    try {
      await pty.waitFor(/Mount 000211L6 \(the current tape of set photos\) and give its mount point/);
      await pty.type(`${moved}\r`);
      await pty.waitFor(/incremental backup: set photos already holds this source/, 60_000);
      assert.equal(await pty.exitCode(60_000), 0, pty.text());
    } finally {
      pty.kill();
    }
    const jobs = box.json<{ jobs: { type: string; mode: string | null; files: number }[] }>(['jobs', '--type', 'backup']).jobs;
    assert.deepEqual(jobs.map((j) => [j.mode, j.files]), [['FULL', 1], ['INCREMENTAL', 1]]);
  });
});
