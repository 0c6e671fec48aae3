import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sandbox, type Sandbox } from '../support/cli';
import { nativeFileMeta } from '../../infrastructure/meta/native-file-meta';

const TAPE = '000160L8';

/** A path of the test tree as the bytes the file system holds (the name is not UTF-8). */
const bytesPath = (...parts: (string | Buffer)[]): Buffer => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));

/**
 * Runs a shell command on a path with bytes that are not UTF-8: Node passes argv as
 * UTF-8, so the path goes in as printf octal escapes the shell turns back into bytes.
 */
const onBytes = (command: string, file: Buffer): { status: number | null; stdout: string; stderr: string } => {
  const escaped = [...file].map((b) => `\\${b.toString(8).padStart(3, '0')}`).join('');
  return spawnSync('bash', ['-c', `f="$(printf '${escaped}')"; ${command}`], { encoding: 'utf8' });
};

const getfattr = (file: Buffer): string => {
  const r = onBytes('getfattr --absolute-names -n user.note --only-values "$f"', file);
  return r.status === 0 ? r.stdout : `exit ${String(r.status)}: ${r.stderr}`;
};

const missing = (): string | false => {
  if (spawnSync('getfattr', ['--version']).status !== 0) return 'getfattr (Debian attr) is not installed';
  if (nativeFileMeta?.xattrs === undefined) return 'the native addon native/file-meta is not built (a name that is not UTF-8 needs it for its attributes)';
  return false;
};

/**
 * The two halves of issue 15 meet: a file whose name is not UTF-8 keeps its extended
 * attributes, its exact time before 1970 and its second name (a hard link), like any
 * other file. The xattr binding takes UTF-8 strings only, so these go through the
 * native addon as bytes.
 */
describe('a name that is not UTF-8 keeps its attributes, exact time and hard link', { skip: missing() }, () => {
  let box: Sandbox;
  let src: string;
  const name = bytesPath('bad', Buffer.from([0xff]), '.txt');
  const second = bytesPath('second', Buffer.from([0xfe]));
  before(() => {
    box = sandbox();
    src = path.join(box.root, 'src');
    fs.mkdirSync(src);
    const file = bytesPath(src, '/', name);
    fs.writeFileSync(file, 'data of a file with a Latin-1 name\n');
    assert.equal(onBytes('setfattr -n user.note -v "hello from latin-1" "$f"', file).status, 0);
    assert.equal(onBytes('touch -h -d "1960-01-01 00:00:00.123456789 UTC" "$f"', file).status, 0);
    fs.linkSync(file, bytesPath(src, '/', second));
  });
  after(() => box.cleanup());

  it('backs up and restores the attribute, the time to the nanosecond and the link', () => {
    assert.equal(box.lto(['tape', 'add', TAPE, '--mount', box.mountPoint('tape')]).status, 0);
    const backup = box.lto(['backup', TAPE, src]);
    assert.equal(backup.status, 0, backup.stderr);
    assert.doesNotMatch(backup.stdout + backup.stderr, /extended attribute/);
    const out = path.join(box.root, 'out');
    const restore = box.lto(['restore', TAPE, '--to', out]);
    assert.equal(restore.status, 0, restore.stderr + restore.stdout);
    const restored = bytesPath(out, src, '/', name);
    assert.equal(getfattr(restored), 'hello from latin-1');
    const stat = fs.lstatSync(restored, { bigint: true });
    assert.equal(stat.mtimeNs, fs.lstatSync(bytesPath(src, '/', name), { bigint: true }).mtimeNs);
    assert.ok(stat.mtimeNs < 0n, 'before 1970');
    assert.equal(fs.lstatSync(bytesPath(out, src, '/', second)).ino, Number(stat.ino), 'the second name is a link to the first');
  });
});
