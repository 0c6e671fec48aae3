import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chunkPosition } from '../../infrastructure/crypto/segment-chunks';
import { sandbox, type Sandbox } from '../support/cli';
import { makeHardTree, treeFacts } from '../support/trees';

const PASSPHRASE = 'a passphrase for the tests';
const KEY_PASSPHRASE = 'the private key passphrase';
const MiB = 1024 * 1024;
const CHUNK = MiB;

/** Every file below `dir`, recursively. */
const filesUnder = (dir: string): string[] =>
  fs.existsSync(dir)
    ? fs.readdirSync(dir, { withFileTypes: true, recursive: true }).filter((d) => d.isFile()).map((d) => path.join(d.parentPath, d.name))
    : [];

/** Names of the tree (and the targets of its links) distinctive enough that random bytes never hold them. */
const distinctiveNames = (root: string): string[] => {
  const names = new Set<string>([path.basename(root)]);
  for (const entry of fs.readdirSync(root, { withFileTypes: true, recursive: true })) {
    names.add(entry.name);
    if (entry.isSymbolicLink()) names.add(fs.readlinkSync(path.join(entry.parentPath, entry.name)));
  }
  return [...names].filter((n) => Buffer.byteLength(n) >= 8);
};

const sha256 = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe('encrypted tapes, through the real CLI', () => {
  let box: Sandbox;
  let source: string;
  let mount: string;
  const env = { LTO_PASSPHRASE: PASSPHRASE };

  before(() => {
    box = sandbox();
    source = path.join(box.root, 'Secret Holiday Photos');
    makeHardTree(source, 64 * MiB);
    // A second segment of several chunks, to splice from.
    fs.mkdirSync(path.join(source, 'zz-more'));
    fs.writeFileSync(path.join(source, 'zz-more', 'second.bin'), Buffer.alloc(3 * MiB, 7));
    mount = box.mountPoint('tape');
    const added = box.lto(['tape', 'add', '000013L8', '--mount', mount, '--encrypt', 'passphrase'], env);
    assert.equal(added.status, 0, added.stderr);
    const backup = box.lto(['backup', '000013L8', source, '--segment-size', '16MiB', '--json'], env);
    assert.equal(backup.status, 0, backup.stderr);
  });
  after(() => box.cleanup());

  it('restores the hard-names tree equal in content, mode and mtime', () => {
    const to = path.join(box.root, 'restored');
    const restore = box.lto(['restore', '000013L8', '--to', to, '--json'], env);
    assert.equal(restore.status, 0, restore.stderr);
    assert.deepEqual(treeFacts(path.join(to, source)), treeFacts(source));
  });

  it('compares a file already there by its HMAC: equal is kept as already there, a same-size edit is kept and counted as differing', () => {
    const to = path.join(box.root, 'restored');
    const again = box.lto(['restore', '000013L8', '--to', to, '--path', '**/large.bin', '--path', '**/second.bin', '--json'], env);
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual((({ skipped, differs }) => ({ skipped, differs }))(JSON.parse(again.stdout) as { skipped: number; differs: number }), { skipped: 2, differs: 0 });
    const second = path.join(to, source, 'zz-more', 'second.bin');
    const fd = fs.openSync(second, 'r+');
    fs.writeSync(fd, Buffer.from([8]), 0, 1, 2 * MiB);
    fs.closeSync(fd);
    const edited = box.lto(['restore', '000013L8', '--to', to, '--path', '**/second.bin', '--json'], env);
    assert.equal(edited.status, 0, edited.stderr);
    const report = JSON.parse(edited.stdout) as { differs: number; problems: { kind: string; reason: string }[] };
    assert.equal(report.differs, 1);
    assert.match(report.problems[0]?.reason ?? '', /HMAC-SHA256 differs/);
    assert.equal(fs.readFileSync(second)[2 * MiB], 8, 'kept');
    const replaced = box.lto(['restore', '000013L8', '--to', to, '--path', '**/second.bin', '--overwrite', '--json'], env);
    assert.equal(replaced.status, 0, replaced.stderr);
    assert.equal(sha256(second), sha256(path.join(source, 'zz-more', 'second.bin')));
  });

  it('leaves no file name on the tape, in the database or in any file of the data folder (UTF-8 or UTF-16)', () => {
    const names = distinctiveNames(source);
    assert.ok(names.length >= 10, `only ${names.length} names to look for`);
    const haystacks = [...filesUnder(mount), ...filesUnder(box.home)];
    assert.ok(haystacks.some((f) => f.endsWith('.tar')) && haystacks.some((f) => f.includes('catalog')), haystacks.join(', '));
    for (const file of haystacks) {
      const bytes = fs.readFileSync(file);
      for (const name of names) {
        for (const form of [Buffer.from(name, 'utf8'), Buffer.from(name, 'utf16le'), Buffer.from(name.normalize('NFD'), 'utf8')]) {
          assert.equal(bytes.includes(form), false, `${JSON.stringify(name)} found in ${file}`);
        }
      }
    }
  });

  it('browses with the passphrase by real names, and locked without it', () => {
    const open = box.lto(['browse', '000013L8', source, '--json'], env);
    assert.equal(open.status, 0, open.stderr);
    assert.ok((JSON.parse(open.stdout) as { entries: { name: string }[] }).entries.some((e) => e.name === 'unicode'));
    const locked = box.lto(['browse', '000013L8', '--json']);
    assert.equal(locked.status, 0, locked.stderr);
    assert.match(locked.stderr, /names are shown locked/);
    assert.doesNotMatch(locked.stdout, /Secret Holiday Photos/);
  });

  it('searches its names only once unlocked, and counts it as locked otherwise', () => {
    const locked = box.json<{ total: number; lockedTapes: string[] }>(['search', 'bottom.txt']);
    assert.deepEqual([locked.total, locked.lockedTapes], [0, ['000013L8']]);
    const open = box.lto(['search', 'bottom.txt', '--json'], env);
    assert.equal(open.status, 0, open.stderr);
    const found = JSON.parse(open.stdout) as { total: number; lockedTapes: string[]; results: { path: string }[] };
    assert.deepEqual([found.total, found.lockedTapes], [1, []]);
    assert.ok(found.results[0]!.path.endsWith('/d99/bottom.txt'));
    const audit = box.lto(['logs', 'export', '--json', '--tape', '000013L8']);
    assert.equal(audit.status, 0, audit.stderr);
    assert.doesNotMatch(audit.stdout, /Secret Holiday Photos/);
  });

  it('restores one small file by decrypting only the chunks that hold it', () => {
    const to = path.join(box.root, 'one');
    const restore = box.lto(['restore', '000013L8', '--to', to, '--path', '**/bottom.txt', '--json'], env);
    assert.equal(restore.status, 0, restore.stderr);
    const report = JSON.parse(restore.stdout) as { restored: { files: number }; tapeBytes: number };
    assert.equal(report.restored.files, 1);
    assert.ok(report.tapeBytes <= 48 + 2 * (CHUNK + 16), `read ${report.tapeBytes} bytes`);
  });

  it('without a secret off a terminal, fails naming the options and writes nothing', () => {
    const to = path.join(box.root, 'no-secret');
    const restore = box.lto(['restore', '000013L8', '--to', to]);
    assert.equal(restore.status, 2);
    assert.match(restore.stderr, /--passphrase-file FILE or LTO_PASSPHRASE/);
    assert.equal(fs.existsSync(to), false);
  });

  describe('damaged segments: reported, and no wrong byte reaches the target', () => {
    let segment: string;
    let original: Buffer;
    before(() => {
      const jobs = path.join(mount, 'LTO-ARCHIVE', 'jobs');
      const [job] = fs.readdirSync(jobs);
      const segments = fs.readdirSync(path.join(jobs, job!)).map((s) => path.join(jobs, job!, s));
      // The largest segment holds the 64 MiB file.
      segment = segments.sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0]!;
      original = fs.readFileSync(segment);
    });
    after(() => fs.writeFileSync(segment, original));

    const restoreDamaged = (name: string, damage: (bytes: Buffer) => Buffer) => {
      fs.writeFileSync(segment, damage(Buffer.from(original)));
      const to = path.join(box.root, `damaged-${name}`);
      const restore = box.lto(['restore', '000013L8', '--to', to, '--json'], env);
      fs.writeFileSync(segment, original);
      const restored = path.join(to, source);
      const wrong = filesUnder(restored).filter((f) => sha256(f) !== sha256(path.join(source, path.relative(restored, f))));
      return { restore, wrong, report: JSON.parse(restore.stdout) as { problems: { path: string; kind: string; reason: string }[] } };
    };

    for (const [name, damage] of [
      ['a flipped byte in a chunk', (b: Buffer) => {
        b[chunkPosition(3, CHUNK) + 123]! ^= 0x20;
        return b;
      }],
      ['a truncated segment', (b: Buffer) => b.subarray(0, chunkPosition(5, CHUNK) + 999)],
      ['two swapped chunks', (b: Buffer) => {
        const one = Buffer.from(b.subarray(chunkPosition(2, CHUNK), chunkPosition(3, CHUNK)));
        b.copy(b, chunkPosition(2, CHUNK), chunkPosition(3, CHUNK), chunkPosition(4, CHUNK));
        one.copy(b, chunkPosition(3, CHUNK));
        return b;
      }],
    ] as const) {
      it(`reports ${name}`, () => {
        const { restore, wrong, report } = restoreDamaged(name.replace(/ /g, '-'), damage);
        assert.notEqual(restore.status, 0);
        assert.deepEqual(wrong, []);
        assert.ok(report.problems.some((p) => p.kind === 'corrupted' && p.path.endsWith('large.bin')), JSON.stringify(report.problems));
      });
    }

    it("--overwrite with a flipped byte in a chunk keeps the user's good copy as it was", () => {
      const to = path.join(box.root, 'restored');
      const mine = path.join(to, source, 'big', 'large.bin');
      const before = { sha: sha256(mine), ino: fs.statSync(mine).ino };
      const damaged = Buffer.from(original);
      damaged[chunkPosition(3, CHUNK) + 100]! ^= 0x20;
      fs.writeFileSync(segment, damaged);
      const restore = box.lto(['restore', '000013L8', '--to', to, '--path', '**/large.bin', '--overwrite', '--json'], env);
      fs.writeFileSync(segment, original);
      assert.equal(restore.status, 1, restore.stderr);
      const report = JSON.parse(restore.stdout) as { problems: { path: string; kind: string }[] };
      assert.deepEqual(report.problems.map((p) => [path.basename(p.path), p.kind]), [['large.bin', 'corrupted']]);
      assert.deepEqual({ sha: sha256(mine), ino: fs.statSync(mine).ino }, before);
      assert.equal(before.sha, sha256(path.join(source, 'big', 'large.bin')));
      assert.deepEqual(filesUnder(to).filter((f) => f.includes('.lto-part-')), []);
    });

    it('verify: every file read back with the key, ciphertext hashes without it; a flipped byte is named either way', () => {
      const withKey = box.lto(['verify', '000013L8', '--json'], env);
      assert.equal(withKey.status, 0, withKey.stderr);
      assert.equal(JSON.parse(withKey.stdout).mode, 'FULL');
      const noKey = box.lto(['verify', '000013L8', '--no-key', '--json']);
      assert.equal(noKey.status, 0, noKey.stderr);
      assert.equal(JSON.parse(noKey.stdout).mode, 'NO_KEY');
      const damaged = Buffer.from(original);
      damaged[chunkPosition(4, CHUNK) + 7]! ^= 0x04;
      fs.writeFileSync(segment, damaged);
      try {
        const full = box.lto(['verify', '000013L8', '--json'], env);
        assert.equal(full.status, 4);
        const files = (JSON.parse(full.stdout) as { jobs: { damaged: { path: string; verdict: string }[] }[] }).jobs.flatMap((j) => j.damaged);
        assert.deepEqual(files.map((d) => [path.basename(d.path), d.verdict]), [['large.bin', 'CORRUPTED']]);
        const blind = box.lto(['verify', '000013L8', '--no-key', '--json']);
        assert.equal(blind.status, 4);
        assert.match(blind.stdout, /SHA-256 differs/);
      } finally {
        fs.writeFileSync(segment, original);
      }
    });

    it('reports a chunk spliced in from another segment of the same tape', () => {
      const other = fs
        .readdirSync(path.dirname(segment))
        .map((s) => path.join(path.dirname(segment), s))
        .find((s) => s !== segment && fs.statSync(s).size > chunkPosition(2, CHUNK));
      assert.ok(other, 'a second segment of at least two chunks');
      const donor = fs.readFileSync(other);
      const { restore, wrong, report } = restoreDamaged('spliced', (b) => {
        donor.copy(b, chunkPosition(1, CHUNK), chunkPosition(1, CHUNK), chunkPosition(2, CHUNK));
        return b;
      });
      assert.notEqual(restore.status, 0);
      assert.deepEqual(wrong, []);
      assert.ok(report.problems.some((p) => p.kind === 'corrupted'), JSON.stringify(report.problems));
    });
  });
});

describe('an encrypted tape with an RSA slot and a passphrase slot', () => {
  let box: Sandbox;
  let source: string;
  before(() => {
    box = sandbox();
    source = path.join(box.root, 'rsa-source');
    makeHardTree(source, 2 * MiB);
    const keys = box.lto(['key', 'generate', '--out', path.join(box.root, 'alice')], { LTO_KEY_PASSPHRASE: KEY_PASSPHRASE });
    assert.equal(keys.status, 0, keys.stderr);
    assert.match(keys.stderr, /can never be read again/);
    const added = box.lto(
      ['tape', 'add', '000014L8', '--encrypt', 'rsa', '--public-key', path.join(box.root, 'alice.pub.pem'), '--encrypt', 'passphrase'],
      { LTO_PASSPHRASE: PASSPHRASE },
    );
    assert.equal(added.status, 0, added.stderr);
    const backup = box.lto(['backup', '000014L8', source], { LTO_PASSPHRASE: PASSPHRASE });
    assert.equal(backup.status, 0, backup.stderr);
  });
  after(() => box.cleanup());

  it('lists both slots, with the public key fingerprint', () => {
    const slots = box.json<{ slots: { kind: string; fingerprint: string | null }[] }>(['tape', 'keys', '000014L8']).slots;
    assert.deepEqual(slots.map((s) => s.kind).sort(), ['passphrase', 'rsa']);
    assert.match(slots.find((s) => s.kind === 'rsa')!.fingerprint ?? '', /^[0-9a-f]{64}$/);
  });

  it('restores the hard-names tree with the private key alone', () => {
    const to = path.join(box.root, 'with-key');
    const restore = box.lto(['restore', '000014L8', '--to', to, '--key', path.join(box.root, 'alice.key.pem')], { LTO_KEY_PASSPHRASE: KEY_PASSPHRASE });
    assert.equal(restore.status, 0, restore.stderr);
    assert.deepEqual(treeFacts(path.join(to, source)), treeFacts(source));
  });

  it("refuses another key, and a wrong key file passphrase, in one line", () => {
    const other = box.lto(['key', 'generate', '--out', path.join(box.root, 'mallory')], { LTO_KEY_PASSPHRASE: KEY_PASSPHRASE });
    assert.equal(other.status, 0, other.stderr);
    const wrongKey = box.lto(['restore', '000014L8', '--to', path.join(box.root, 'x'), '--key', path.join(box.root, 'mallory.key.pem')], { LTO_KEY_PASSPHRASE: KEY_PASSPHRASE });
    assert.equal(wrongKey.status, 2);
    assert.match(wrongKey.stderr, /^error: wrong private key for tape 000014L8/);
    const wrongPass = box.lto(['restore', '000014L8', '--to', path.join(box.root, 'x'), '--key', path.join(box.root, 'alice.key.pem')], { LTO_KEY_PASSPHRASE: 'nope' });
    assert.equal(wrongPass.status, 2);
    assert.match(wrongPass.stderr, /wrong passphrase for the private key/);
    assert.equal(fs.existsSync(path.join(box.root, 'x')), false);
  });

  it('takes a new slot after an unlock, and the new key opens the tape', () => {
    const bob = box.lto(['key', 'generate', '--out', path.join(box.root, 'bob')], { LTO_KEY_PASSPHRASE: KEY_PASSPHRASE });
    assert.equal(bob.status, 0, bob.stderr);
    const added = box.lto(['tape', 'add-slot', '000014L8', '--public-key', path.join(box.root, 'bob.pub.pem')], { LTO_PASSPHRASE: PASSPHRASE });
    assert.equal(added.status, 0, added.stderr);
    assert.equal(box.json<{ slots: unknown[] }>(['tape', 'keys', '000014L8']).slots.length, 3);
    const to = path.join(box.root, 'with-bob');
    const restore = box.lto(['restore', '000014L8', '--to', to, '--key', path.join(box.root, 'bob.key.pem'), '--path', '**/bottom.txt'], { LTO_KEY_PASSPHRASE: KEY_PASSPHRASE });
    assert.equal(restore.status, 0, restore.stderr);
  });
});
