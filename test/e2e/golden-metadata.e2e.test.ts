import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT, sandbox, type Sandbox } from '../support/cli';
import { metadataToolsMissing } from '../support/metadata-tools';

/**
 * A tape written by format lto-archive/1 with full file metadata (test/fixtures/
 * make-golden-metadata.sh wrote it from /tmp/golden-meta-src): owner ids and names,
 * a binary extended attribute, an access ACL, a folder's default ACL, one file with
 * three names, a time before 1970 and one to the nanosecond, a sparse file. It must stay readable
 * by every later version: never regenerate it.
 */
const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'golden-v1-metadata');
const SOURCE = 'tmp/golden-meta-src';

describe('golden metadata tape, format lto-archive/1', { skip: metadataToolsMissing() }, () => {
  let box: Sandbox;
  let root: string;
  before(() => {
    box = sandbox();
    const mount = path.join(box.root, 'tape');
    fs.cpSync(FIXTURE, mount, { recursive: true });
    const added = box.lto(['tape', 'add', '000779L6', '--mount', mount, '--json']);
    assert.equal(added.status, 0, added.stderr);
    const to = path.join(box.root, 'out');
    const restored = box.lto(['restore', '000779L6', '--to', to]);
    assert.equal(restored.status, 0, restored.stderr);
    root = path.join(to, SOURCE);
  });
  after(() => box.cleanup());

  it('restores owners by name where the name exists, else by id', () => {
    const nobody = fs.statSync(path.join(root, 'nobody.txt'));
    assert.deepEqual([nobody.uid, nobody.gid], [65534, 65534]);
    const ids = fs.statSync(path.join(root, 'ids.txt'));
    assert.deepEqual([ids.uid, ids.gid], [1234, 5678]);
  });

  it('restores times before 1970 and to the nanosecond', () => {
    assert.equal(fs.statSync(path.join(root, 'ids.txt'), { bigint: true }).mtimeNs, -1_000_000_000_000_000_000n);
    assert.equal(fs.statSync(path.join(root, 'attributes.txt'), { bigint: true }).mtimeNs, 1_767_323_045_123_456_789n);
    assert.equal(fs.statSync(path.join(root, 'shared'), { bigint: true }).mtimeNs, 1_767_323_045_500_000_000n);
  });

  it('restores the binary attribute, the access ACL and the default ACL', () => {
    const dump = execFileSync('getfattr', ['-n', 'user.binary', '-e', 'hex', '--absolute-names', path.join(root, 'attributes.txt')], { encoding: 'utf8' });
    assert.match(dump, /user\.binary=0x00ff0a3d676f6c64656e/);
    const acl = execFileSync('getfacl', ['-n', '-p', '--omit-header', path.join(root, 'attributes.txt')], { encoding: 'utf8' });
    assert.match(acl, /^user:65534:rw-$/m);
    const folder = execFileSync('getfacl', ['-n', '-p', '--omit-header', path.join(root, 'shared')], { encoding: 'utf8' });
    assert.match(folder, /^default:group:65534:r-x$/m);
  });

  it('restores the sparse file sparse, its data where it was', () => {
    const p = path.join(root, 'sparse.img');
    const stat = fs.statSync(p);
    assert.equal(stat.size, 4 * 1024 * 1024);
    assert.ok(stat.blocks * 512 < 64 * 1024, `${stat.blocks} blocks`);
    const bytes = fs.readFileSync(p);
    const data = Buffer.from('golden sparse data');
    assert.deepEqual(bytes.subarray(1024 * 1024, 1024 * 1024 + data.length), data);
    assert.equal(bytes.subarray(0, 1024 * 1024).every((b) => b === 0) && bytes.subarray(1024 * 1024 + data.length).every((b) => b === 0), true);
  });

  it('restores one file with three names as hard links', () => {
    const inodes = ['shared/first.txt', 'shared/second.txt', 'third.txt'].map((p) => fs.statSync(path.join(root, p)));
    assert.equal(new Set(inodes.map((s) => s.ino)).size, 1);
    assert.equal(inodes[0]!.nlink, 3);
    assert.equal(fs.readFileSync(path.join(root, 'third.txt'), 'utf8'), 'one file, three names\n');
  });
});
