import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT, sandbox, type Sandbox } from '../support/cli';
import { metadataToolsMissing } from '../support/metadata-tools';

const TAPE = '000150L8';
const SECRET_TAPE = '000151L8';
const PASSPHRASE = 'metadata passphrase for the tests';
/** A binary value (NUL, 0xff, newline, '=') that a text-only codec would mangle. */
const BINARY_XATTR = '0x00ff0a3d6d6574612d736563726574';
/** What the encrypted tape test looks for on tape and in the catalog. */
const SECRET_TEXT = 'meta-secret-attribute-text';

const run = (command: string, args: readonly string[]): string => {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `${command} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

/** Every piece of metadata `tar --xattrs --acls -p` keeps, of one path (relative to its tree). */
interface Seen {
  readonly type: string;
  readonly mode: string;
  readonly owner: string;
  readonly mtimeNs: string;
  readonly size: number;
  /** The other names of the same inode in the tree (hard links). */
  readonly sameFileAs: readonly string[];
  readonly xattrs: string;
  readonly acl: string;
  /** Fewer blocks than its size needs: it has holes. */
  readonly sparse: boolean;
  /** Files: SHA-256 of the content (holes read as zeros). */
  readonly sha256: string;
}

const GiB = 1024 ** 3;
const fileHash = (p: string): string => {
  const hash = createHash('sha256');
  const fd = fs.openSync(p, 'r');
  const buffer = Buffer.alloc(8 * 1024 * 1024);
  try {
    for (let n = fs.readSync(fd, buffer); n > 0; n = fs.readSync(fd, buffer)) hash.update(buffer.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
};

const snapshot = (root: string): Map<string, Seen> => {
  const all = fs.readdirSync(root, { recursive: true, encoding: 'utf8' }).sort();
  const stats = new Map(all.map((rel) => [rel, fs.lstatSync(path.join(root, rel), { bigint: true })]));
  const out = new Map<string, Seen>();
  for (const [rel, st] of stats) {
    const full = path.join(root, rel);
    const link = st.isSymbolicLink();
    out.set(rel, {
      type: st.isFile() ? 'file' : st.isDirectory() ? 'dir' : link ? 'symlink' : 'other',
      mode: (st.mode & 0o7777n).toString(8),
      owner: `${st.uid}:${st.gid}`,
      mtimeNs: st.mtimeNs.toString(),
      size: st.isFile() ? Number(st.size) : 0,
      sameFileAs: st.isFile() ? [...stats].filter(([other, o]) => other !== rel && o.ino === st.ino).map(([other]) => other) : [],
      // Attribute and ACL dumps without their "# file:" header (the paths differ between trees).
      xattrs: link ? '' : run('getfattr', ['-h', '-d', '-m', '-', '-e', 'hex', '--absolute-names', full]).split('\n').slice(1).join('\n'),
      acl: link ? '' : run('getfacl', ['-n', '-p', '--omit-header', full]),
      sparse: st.isFile() && st.blocks * 512n < st.size,
      sha256: st.isFile() ? fileHash(full) : '',
    });
  }
  return out;
};

/** The tree every test archives: owners, attributes, ACLs, hard links, times before 1970 and to the nanosecond. */
const makeTree = (src: string): void => {
  fs.mkdirSync(path.join(src, 'shared', 'inbox'), { recursive: true });
  fs.mkdirSync(path.join(src, 'other'));
  const file = (rel: string, text: string): string => {
    const p = path.join(src, rel);
    fs.writeFileSync(p, text);
    return p;
  };
  const owned = file('owned-by-ids.txt', 'owned by ids with no name here\n');
  fs.chownSync(owned, 1234, 5678);
  const named = file('owned-by-nobody.txt', 'owned by nobody:nogroup\n');
  fs.chownSync(named, 65534, 65534);
  fs.chmodSync(named, 0o640);
  const attributed = file('attributes.txt', 'with extended attributes\n');
  run('setfattr', ['-n', 'user.binary', '-v', BINARY_XATTR, attributed]);
  run('setfattr', ['-n', 'user.comment', '-v', SECRET_TEXT, attributed]);
  const acl = file('acl.txt', 'with an access ACL\n');
  run('setfacl', ['-m', 'u:nobody:rw,g:nogroup:r', acl]);
  run('setfacl', ['-m', 'u:nobody:rwx', path.join(src, 'shared')]);
  run('setfacl', ['-d', '-m', 'u:nobody:rwx,g:nogroup:rx', path.join(src, 'shared')]);
  fs.chownSync(path.join(src, 'shared', 'inbox'), 65534, 65534);
  const first = file('shared/inbox/first-name.txt', 'one file, three names\n');
  fs.linkSync(first, path.join(src, 'shared', 'second-name.txt'));
  fs.linkSync(first, path.join(src, 'other', 'third-name.txt'));
  fs.symlinkSync('owned-by-nobody.txt', path.join(src, 'link-to-nobody'));
  fs.lchownSync(path.join(src, 'link-to-nobody'), 65534, 65534);
  file('before-1970.txt', 'a time before the epoch\n');
  // 1 GiB with two small data extents (one at the start, one in the middle): the rest is holes.
  const sparse = path.join(src, 'sparse.img');
  const fd = fs.openSync(sparse, 'w');
  fs.writeSync(fd, Buffer.alloc(8192, 'a'), 0, 8192, 0);
  fs.writeSync(fd, Buffer.alloc(4096, 'b'), 0, 4096, 600 * 1024 * 1024);
  fs.ftruncateSync(fd, GiB);
  fs.closeSync(fd);
  file('nanoseconds.txt', 'a time with nanoseconds\n');
  // Times last, deepest first (writing into a folder changes its time); `touch` takes nanoseconds and negative times.
  run('touch', ['-h', '-d', '@-1000000000', path.join(src, 'before-1970.txt')]);
  run('touch', ['-h', '-d', '@1600000000.123456789', path.join(src, 'nanoseconds.txt')]);
  run('touch', ['-h', '-d', '@1500000000.987654321', path.join(src, 'link-to-nobody')]);
  run('touch', ['-d', '@1400000000.000000001', path.join(src, 'shared', 'inbox', 'first-name.txt')]);
  run('touch', ['-d', '@-86400.5', path.join(src, 'shared', 'inbox')]);
  run('touch', ['-d', '@1300000000.111111111', path.join(src, 'shared')]);
  run('touch', ['-d', '@1300000000.222222222', path.join(src, 'other')]);
};

/** Differences between two snapshots, one line each (empty: equal). */
const differences = (expected: Map<string, Seen>, actual: Map<string, Seen>): string[] => {
  const lines: string[] = [];
  for (const [rel, want] of expected) {
    const got = actual.get(rel);
    if (got === undefined) {
      lines.push(`${rel}: missing`);
      continue;
    }
    for (const key of Object.keys(want) as (keyof Seen)[]) {
      if (JSON.stringify(want[key]) !== JSON.stringify(got[key])) lines.push(`${rel} ${key}: want ${JSON.stringify(want[key])}, got ${JSON.stringify(got[key])}`);
    }
  }
  for (const rel of actual.keys()) if (!expected.has(rel)) lines.push(`${rel}: not in the source`);
  return lines;
};

/**
 * Issue 15 part 4 through the real CLI: everything `tar --xattrs --acls -cpf` / `-xpf`
 * keeps of a tree (owners and their names, modes, extended attributes with binary
 * values, access and default ACLs, hard links, mtimes before 1970 and to the
 * nanosecond), lto backup + restore keeps too, compared side by side with GNU tar on
 * the same tree.
 */
describe('file metadata, compared with tar --xattrs --acls -p', { skip: metadataToolsMissing() }, () => {
  let box: Sandbox;
  let src: string;
  let source: Map<string, Seen>;

  before(() => {
    box = sandbox();
    src = path.join(box.root, 'src');
    makeTree(src);
    source = snapshot(src);
  });
  after(() => box.cleanup());

  it('GNU tar, as the reference, restores the tree as it was', () => {
    const archive = path.join(box.root, 'reference.tar');
    // --sparse: else GNU tar writes the holes in full (1 GiB of zeros) and restores them so.
    run('tar', ['--xattrs', '--xattrs-include=*', '--acls', '--sparse', '-cpf', archive, '-C', src, '.']);
    const out = box.mountPoint('tar-out');
    run('tar', ['--xattrs', '--xattrs-include=*', '--acls', '-xpf', archive, '-C', out]);
    assert.deepEqual(differences(source, snapshot(out)), []);
  });

  it('lto restores every piece of it, and GNU tar extracts the segment with it too', () => {
    const mount = box.mountPoint('tape');
    assert.equal(box.lto(['tape', 'add', TAPE, '--mount', mount]).status, 0);
    const backup = box.lto(['backup', TAPE, src, '--json']);
    assert.equal(backup.status, 0, backup.stderr);
    const to = box.mountPoint('lto-out');
    const restore = box.lto(['restore', TAPE, '--to', to, '--strip-components', String(src.split('/').length - 1), '--json']);
    assert.equal(restore.status, 0, restore.stderr + restore.stdout);
    assert.deepEqual(differences(source, snapshot(to)), []);
    assert.equal(source.get('sparse.img')?.sparse, true);

    // The holes are not on tape: the whole job's segment is a few KiB.
    const tarBytes = fs.readdirSync(mount, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.tar')).map((f) => fs.statSync(path.join(mount, f)).size);
    assert.ok(tarBytes.length === 1 && tarBytes[0]! < 256 * 1024, `segment of ${tarBytes.join(', ')} bytes`);
    const verify = box.lto(['verify', TAPE]);
    assert.equal(verify.status, 0, verify.stderr + verify.stdout);

    // The segment is a pax tar GNU tar reads with owners, modes, attributes, ACLs and hard links.
    // (Its times there are whole seconds unless the entry has a pax header: lto's own restore takes them from the catalog.)
    const segments = fs.readdirSync(mount, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.tar'));
    assert.equal(segments.length, 1, segments.join(', '));
    const byTar = box.mountPoint('tar-of-segment');
    run('tar', ['--xattrs', '--xattrs-include=*', '--acls', '-xpf', path.join(mount, segments[0]!), '-C', byTar, '--strip-components', String(src.split('/').length - 1)]);
    const withoutTimes = (m: Map<string, Seen>): Map<string, Seen> => new Map([...m].map(([rel, seen]) => [rel, { ...seen, mtimeNs: '' }]));
    assert.deepEqual(differences(withoutTimes(source), withoutTimes(snapshot(byTar))), []);
  });

  it('--no-owner leaves every file to the user restoring, the rest as it was', () => {
    const to = box.mountPoint('no-owner');
    const restore = box.lto(['restore', TAPE, '--to', to, '--no-owner', '--strip-components', String(src.split('/').length - 1)]);
    assert.equal(restore.status, 0, restore.stderr);
    const seen = snapshot(to);
    for (const [rel, s] of seen) assert.equal(s.owner, '0:0', rel);
    const ownerless = new Map([...source].map(([rel, s]) => [rel, { ...s, owner: '0:0' }]));
    assert.deepEqual(differences(ownerless, seen), []);
  });

  it('without the native addon: times to the microsecond (before 1970 too), said in one note', () => {
    const to = box.mountPoint('no-addon');
    const restore = box.lto(['restore', TAPE, '--to', to, '--strip-components', String(src.split('/').length - 1)], { LTO_NATIVE_FILE_META: '0' });
    assert.equal(restore.status, 0, restore.stderr);
    assert.equal(restore.stderr.match(/note: times restored to the microsecond/g)?.length, 1, restore.stderr);
    const seen = snapshot(to);
    assert.equal(seen.get('before-1970.txt')?.mtimeNs, '-1000000000000000000');
    assert.equal(seen.get('nanoseconds.txt')?.mtimeNs, '1600000000123456000');
    assert.equal(seen.get('shared/inbox')?.mtimeNs, '-86400500000000');
    const toMicroseconds = (m: Map<string, Seen>): Map<string, Seen> => new Map([...m].map(([rel, s]) => [rel, { ...s, mtimeNs: String((BigInt(s.mtimeNs) / 1000n) * 1000n - (BigInt(s.mtimeNs) % 1000n < 0n ? 1000n : 0n)) }]));
    assert.deepEqual(differences(toMicroseconds(source), toMicroseconds(seen)), []);
  });

  it('not run as root: owners left to the user restoring, with one note; attributes and ACLs still set', () => {
    // A copy of the catalog and tape that user `nobody` may use, and a target it owns.
    const other = box.mountPoint('as-nobody');
    fs.cpSync(box.home, path.join(other, 'home'), { recursive: true });
    fs.cpSync(path.join(box.root, 'tape'), path.join(other, 'tape'), { recursive: true });
    fs.mkdirSync(path.join(other, 'out'));
    run('chown', ['-R', '65534:65534', other]);
    fs.chmodSync(box.root, 0o755);
    const r = spawnSync(
      'setpriv',
      ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, path.join(REPO_ROOT, 'bin', 'lto.js'), 'restore', TAPE, '--mount', path.join(other, 'tape'), '--to', path.join(other, 'out'), '--strip-components', String(src.split('/').length - 1), '--json'],
      { encoding: 'utf8', env: { PATH: process.env['PATH'], HOME: other, LTO_HOME: path.join(other, 'home'), NO_COLOR: '1' } },
    );
    assert.equal(r.status, 0, r.stderr + r.stdout);
    const report: unknown = JSON.parse(r.stdout);
    assert.ok(typeof report === 'object' && report !== null && 'notes' in report);
    assert.deepEqual(report.notes, ['owners not restored: not running as root (the files belong to the user who restored them)']);
    const seen = snapshot(path.join(other, 'out'));
    for (const [rel, s] of seen) assert.equal(s.owner, '65534:65534', rel);
    const theirs = new Map([...source].map(([rel, s]) => [rel, { ...s, owner: '65534:65534' }]));
    assert.deepEqual(differences(theirs, seen), []);
  });

  it('a hard link whose first name is not selected is restored with its data', () => {
    const to = box.mountPoint('one-link');
    const restore = box.lto(['restore', TAPE, '--to', to, '--path', '**/third-name.txt', '--strip-components', String(src.split('/').length - 1)]);
    assert.equal(restore.status, 0, restore.stderr);
    assert.equal(fs.readFileSync(path.join(to, 'other', 'third-name.txt'), 'utf8'), 'one file, three names\n');
  });

  it('an encrypted tape keeps attributes and owner names sealed, and restores them', () => {
    // A catalog of its own: the plain tape's catalog does hold the attribute (base64).
    const secret = sandbox();
    try {
      const env = { LTO_PASSPHRASE: PASSPHRASE };
      const mount = secret.mountPoint('secret-tape');
      const added = secret.lto(['tape', 'add', SECRET_TAPE, '--mount', mount, '--encrypt', 'passphrase'], env);
      assert.equal(added.status, 0, added.stderr);
      const backup = secret.lto(['backup', SECRET_TAPE, src, '--json'], env);
      assert.equal(backup.status, 0, backup.stderr);
      const files = [mount, secret.home].flatMap((dir) => fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => path.join(dir, f))).filter((f) => fs.statSync(f).isFile());
      assert.ok(files.some((f) => f.endsWith('.tar')) && files.some((f) => f.includes('catalog')), files.join(', '));
      const needles = [SECRET_TEXT, Buffer.from(SECRET_TEXT).toString('base64'), Buffer.from(BINARY_XATTR.slice(2), 'hex').toString('base64'), 'nogroup'];
      for (const file of files) {
        const bytes = fs.readFileSync(file);
        for (const needle of needles) assert.equal(bytes.includes(needle), false, `${needle} found in ${file}`);
      }
      const to = secret.mountPoint('secret-out');
      const restore = secret.lto(['restore', SECRET_TAPE, '--to', to, '--strip-components', String(src.split('/').length - 1)], env);
      assert.equal(restore.status, 0, restore.stderr);
      assert.deepEqual(differences(source, snapshot(to)), []);
    } finally {
      secret.cleanup();
    }
  });
});
