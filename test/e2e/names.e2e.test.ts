import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dumpCatalog } from '../support/catalog-dump';
import { byteTree, writeDeepFile } from '../support/byte-tree';
import { REPO_ROOT, sandbox, type Sandbox } from '../support/cli';

const TAPE = '000150L8';
const SEALED = '000151L8';
const env = { LTO_PASSPHRASE: 'names are sealed too' };
const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');
/** 22 folders of 200 bytes: the deepest file's path passes 4,096 bytes (PATH_MAX). */
const DEEP = Array.from({ length: 22 }, (_, i) => latin1(`${String(i).padStart(2, '0')}-${'d'.repeat(197)}`));
const DEEP_FILE = latin1('deep-\xff.txt');

/**
 * The tree of issue 15: a name that is not UTF-8, a Latin-1 folder of 100 files, a valid
 * UTF-8 name holding U+FFFD, a name with a newline, a link to a non-UTF-8 name, and a
 * file whose path is longer than 4,096 bytes.
 */
const makeTree = (root: string): void => {
  const r = Buffer.from(root);
  const at = (name: Buffer): Buffer => Buffer.concat([r, Buffer.from('/'), name]);
  fs.mkdirSync(root, { recursive: true });
  fs.writeFileSync(at(latin1('bad\xff.txt')), 'a name that is not UTF-8');
  const folder = at(latin1('Fotos-\xe9t\xe9-2019'));
  fs.mkdirSync(folder);
  for (let i = 0; i < 100; i++) fs.writeFileSync(Buffer.concat([folder, latin1(`/IMG_${String(i).padStart(4, '0')}-\xe9.jpg`)]), `photo ${i}`);
  fs.writeFileSync(at(Buffer.from('repl\uFFFDchar.txt', 'utf8')), 'a valid UTF-8 name with U+FFFD');
  fs.writeFileSync(at(latin1('new\nline.txt')), 'a newline in the name');
  fs.symlinkSync(latin1('bad\xff.txt'), at(latin1('link-\xfe')));
  writeDeepFile(root, DEEP, DEEP_FILE, 'deep below 4,096 bytes of path');
};

const segmentsOf = (mount: string): string[] =>
  fs
    .readdirSync(path.join(mount, 'LTO-ARCHIVE', 'jobs'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.tar'))
    .map((f) => path.join(mount, 'LTO-ARCHIVE', 'jobs', f));

/** Every file below `dir` (the tape, the data folder), as bytes. */
const bytesUnder = (dir: string): Buffer[] =>
  fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => fs.readFileSync(path.join(d.parentPath, d.name)));

/** The sandbox, whose trees are deeper than fs.rmSync reaches (PATH_MAX): GNU rm walks them relative to open folders. */
const removeAll = (box: Sandbox): void => {
  spawnSync('rm', ['-rf', box.root]);
  box.cleanup();
};

const withoutDeep = (tree: Map<string, string>): Map<string, string> => new Map([...tree].filter(([k]) => !k.startsWith(DEEP[0]!.toString('latin1'))));

describe('every name archived byte for byte, and paths past 4,096 bytes', () => {
  let box: Sandbox;
  let source: string;
  let mount: string;
  let sealedMount: string;

  before(() => {
    box = sandbox();
    source = path.join(box.root, 'src');
    makeTree(source);
    mount = box.mountPoint('tape');
    sealedMount = box.mountPoint('sealed');
    assert.equal(box.lto(['tape', 'add', TAPE, '--mount', mount]).status, 0);
  });
  after(() => removeAll(box));

  it('backs up all 104 files, with no warning, exit 0; verify passes', () => {
    const r = box.lto(['backup', TAPE, source, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { status: string; files: number; warnings: number; notArchived: number };
    assert.deepEqual([report.status, report.files, report.warnings, report.notArchived], ['SUCCESS', 104, 0, 0]);
    assert.equal(box.lto(['verify', TAPE]).status, 0);
  });

  it('restores every name exactly (compared as bytes), the 4,096+ byte path included', () => {
    const to = path.join(box.root, 'restored');
    const r = box.lto(['restore', TAPE, '--to', to, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const restored = byteTree(path.join(to, source));
    assert.deepEqual(restored, byteTree(source));
    const deepKey = [...restored.keys()].find((k) => k.endsWith(DEEP_FILE.toString('latin1')));
    assert.ok(deepKey !== undefined && source.length + 1 + deepKey.length > 4096, 'the deep file is there, past PATH_MAX');
  });

  it('GNU tar extracts the same names from the segment; like its own archive of the tree, it cannot make the 4,096+ byte path', () => {
    const segments = segmentsOf(mount);
    assert.equal(segments.length, 1);
    const ours = path.join(box.root, 'gnu-from-lto');
    fs.mkdirSync(ours);
    const fromLto = spawnSync('tar', ['-xf', segments[0]!, '-C', ours], { encoding: 'latin1' });
    // The long path is GNU tar's limit on extraction (mkdir: File name too long), not the archive's.
    assert.equal(fromLto.status, 2, fromLto.stderr);
    assert.doesNotMatch(fromLto.stderr, /Ignoring|unknown|keyword/);
    for (const line of fromLto.stderr.split('\n').filter((l) => l !== '' && !l.includes('Exiting with failure'))) assert.match(line, /File name too long/);
    assert.deepEqual(withoutDeep(byteTree(path.join(ours, source))), withoutDeep(byteTree(source)));

    const own = path.join(box.root, 'gnu.tar');
    assert.equal(spawnSync('tar', ['--format=pax', '-cf', own, '-C', box.root, 'src']).status, 0);
    const fromGnu = path.join(box.root, 'gnu-from-gnu');
    fs.mkdirSync(fromGnu);
    const gnu = spawnSync('tar', ['-xf', own, '-C', fromGnu], { encoding: 'latin1' });
    assert.equal(gnu.status, 2);
    assert.match(gnu.stderr, /File name too long/);
    assert.deepEqual(withoutDeep(byteTree(path.join(fromGnu, 'src'))), withoutDeep(byteTree(source)));
  });

  it('shows names escaped on one line (browse, search); --json gives the exact name text', () => {
    const browse = box.lto(['browse', TAPE, source]);
    assert.equal(browse.status, 0, browse.stderr);
    for (const shown of ['bad\\xff.txt', 'Fotos-\\xe9t\\xe9-2019/', 'new\\nline.txt', 'repl\uFFFDchar.txt', 'link-\\xfe -> bad\\xff.txt']) assert.ok(browse.stdout.includes(shown), `${shown} in\n${browse.stdout}`);
    assert.doesNotMatch(browse.stdout, /[\0\x01-\x09\x0b-\x1f]/);
    assert.equal(browse.stdout.split('\n').filter((l) => l.includes('line.txt')).length, 1);
    const search = box.lto(['search', 'IMG_00*']);
    assert.match(search.stdout, /Fotos-\\xe9t\\xe9-2019\/IMG_0001-\\xe9\.jpg/);
    // A glob whose literal lies past a byte that is not UTF-8 (SQLite's LIKE stops at the escape's NUL).
    assert.equal(box.json<{ total: number }>(['search', 'IMG_00*.jpg']).total, 100);
    const json = box.json<{ results: { path: string }[] }>(['search', 'bad']);
    assert.deepEqual(json.results.map((h) => h.path), [`${source}/bad\u0000ff.txt`]);
  });

  it('takes a name back in the form it is shown: browse a folder, search and restore --path with \\xHH', () => {
    const folder = box.json<{ entries: { name: string }[] }>(['browse', TAPE, `${source}/Fotos-\\xe9t\\xe9-2019`]).entries;
    assert.equal(folder.length, 100);
    assert.equal(folder[1]?.name, 'IMG_0001-\u0000e9.jpg');
    assert.equal(box.json<{ total: number }>(['search', '*-\\xe9.jpg']).total, 100);
    const to = path.join(box.root, 'one-photo');
    const r = box.lto(['restore', TAPE, '--to', to, '--path', '**/Fotos-\\xe9t\\xe9-2019/IMG_0001-\\xe9.jpg']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual([...byteTree(path.join(to, source)).keys()], ['Fotos-\xe9t\xe9-2019', 'Fotos-\xe9t\xe9-2019/IMG_0001-\xe9.jpg']);
  });

  it('an incremental after it plans every entry unchanged', () => {
    const plan = box.json<{ plan: { new: { entries: number }; modified: { entries: number }; unchanged: { files: number }; deleted: number } }>(['backup', TAPE, source, '--incremental', '--dry-run']);
    assert.deepEqual([plan.plan.new.entries, plan.plan.modified.entries, plan.plan.unchanged.files, plan.plan.deleted], [0, 0, 104, 0]);
  });

  it('recover rebuilds an equal catalog from the tape alone', () => {
    const catalog = path.join(box.home, 'catalog.db');
    const before = dumpCatalog(catalog);
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${catalog}${suffix}`, { force: true });
    const r = box.lto(['recover', '--mount', mount, '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(dumpCatalog(catalog), before);
  });

  it('recover --salvage finds the names again, exactly, in the segment\'s own tar headers', () => {
    const copy = path.join(box.root, 'damaged-tape');
    fs.cpSync(mount, copy, { recursive: true });
    const journal = path.join(copy, 'LTO-ARCHIVE', 'journal.ndjson');
    const bytes = fs.readFileSync(journal);
    const lines = bytes.toString('utf8').split('\n');
    const target = lines.findIndex((l) => l.includes('"FilesArchived"'));
    bytes[lines.slice(0, target).reduce((n, l) => n + Buffer.byteLength(l) + 1, 0) + 200]! ^= 0x01;
    fs.writeFileSync(journal, bytes);
    const alone = sandbox();
    try {
      const salvage = alone.lto(['recover', '--mount', copy, '--salvage', '--json']);
      assert.equal(salvage.status, 4, salvage.stderr);
      const report = JSON.parse(salvage.stdout) as { tapes: { salvagedEntries: number; lost: string[] }[] };
      assert.ok(report.tapes[0]!.salvagedEntries >= 104);
      assert.deepEqual(report.tapes[0]!.lost, []);
      const to = path.join(alone.root, 'restored');
      const restore = alone.lto(['restore', TAPE, '--to', to]);
      assert.equal(restore.status, 0, restore.stderr);
      assert.deepEqual(byteTree(path.join(to, source)), byteTree(source));
    } finally {
      removeAll(alone);
    }
  });

  it('an incremental takes a changed non-UTF-8 file and records a gone one; the latest restore is the tree as it is now', () => {
    fs.writeFileSync(Buffer.from(`${source}/bad\xff.txt`, 'latin1'), 'changed content');
    fs.rmSync(Buffer.from(`${source}/Fotos-\xe9t\xe9-2019/IMG_0007-\xe9.jpg`, 'latin1'));
    const r = box.lto(['backup', TAPE, source, '--incremental', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { plan: { new: { files: number }; modified: { files: number }; deleted: number } };
    assert.deepEqual([report.plan.new.files, report.plan.modified.files, report.plan.deleted], [0, 1, 1]);
    const to = path.join(box.root, 'restored-latest');
    assert.equal(box.lto(['restore', TAPE, '--to', to]).status, 0);
    assert.deepEqual(byteTree(path.join(to, source)), byteTree(source));
  });

  it('an encrypted tape restores the names exactly and never holds them in clear, nor does the catalog', () => {
    assert.equal(box.lto(['tape', 'add', SEALED, '--mount', sealedMount, '--encrypt', 'passphrase'], env).status, 0);
    const r = box.lto(['backup', SEALED, source, '--json'], env);
    assert.equal(r.status, 0, r.stderr);
    const to = path.join(box.root, 'restored-sealed');
    assert.equal(box.lto(['restore', SEALED, '--to', to], env).status, 0);
    assert.deepEqual(byteTree(path.join(to, source)), byteTree(source));
    const secrets = [latin1('Fotos-\xe9t\xe9'), latin1('bad\xff'), Buffer.from('bad\u0000ff'), Buffer.from('bad\\u0000ff'), Buffer.from('Fotos-'), Buffer.from('IMG_0042')];
    for (const file of bytesUnder(sealedMount)) for (const s of secrets) assert.equal(file.indexOf(s), -1, `${s.toString('latin1')} in clear on the tape`);
    // The plain tape's names are in this catalog by design; a catalog of the sealed tape alone holds none.
    const alone = sandbox();
    try {
      const recovered = alone.lto(['recover', '--mount', sealedMount]);
      assert.equal(recovered.status, 0, recovered.stderr);
      for (const file of bytesUnder(alone.home)) for (const s of secrets) assert.equal(file.indexOf(s), -1, `${s.toString('latin1')} in clear in the catalog`);
    } finally {
      alone.cleanup();
    }
  });
});

describe('what the scan cannot archive is listed, and the backup exits 1', () => {
  let box: Sandbox;
  before(() => (box = sandbox()));
  after(() => box.cleanup());

  it('a folder that cannot be listed and a file that vanished before its stat: not archived, listed, exit 1', () => {
    const source = path.join(box.root, 'src');
    fs.mkdirSync(path.join(source, 'locked'), { recursive: true });
    fs.writeFileSync(path.join(source, 'locked', 'inside.txt'), 'x');
    fs.writeFileSync(path.join(source, 'vanishing.txt'), 'y');
    fs.writeFileSync(path.join(source, 'kept.txt'), 'z');
    const mount = box.mountPoint('tape');
    assert.equal(box.lto(['tape', 'add', TAPE, '--mount', mount]).status, 0);
    const preload = path.join(REPO_ROOT, 'dist', 'test', 'support', 'scan-fault-preload.js');
    const r = box.lto(['backup', TAPE, source, '--json'], { NODE_OPTIONS: `--require=${preload}`, LTO_FAULT_SCAN: '/locked:readdirSync,/vanishing.txt:lstatSync' });
    assert.equal(r.status, 1, r.stderr);
    const report = JSON.parse(r.stdout) as { status: string; notArchived: number; files: number; warningList: { path: string; reason: string }[] };
    assert.equal(report.notArchived, 2);
    assert.equal(report.files, 1);
    assert.deepEqual(
      report.warningList.map((w) => [path.relative(source, w.path), w.reason.split(' ').slice(0, 3).join(' ')]).sort(),
      [['locked', 'cannot list (EACCES):'], ['vanishing.txt', 'cannot stat (ENOENT):']],
    );
    const human = box.lto(['backup', TAPE, source, '--incremental'], { NODE_OPTIONS: `--require=${preload}`, LTO_FAULT_SCAN: '/locked:readdirSync' });
    assert.equal(human.status, 1);
    assert.match(human.stderr, /1 file\(s\) or folder\(s\) could not be archived/);
  });
});
