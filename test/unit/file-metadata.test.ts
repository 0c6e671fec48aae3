import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ArchivedEntry } from '../../domain/events';
import { aclText } from '../../infrastructure/meta/acl-text';
import { exactTimes, setTimes, splitNs } from '../../infrastructure/meta/file-times';
import { parseXattrsText, xattrsText } from '../../infrastructure/meta/xattrs';
import { sparseMap, sparseMemberPath } from '../../infrastructure/segment/sparse-member';
import { END_OF_ARCHIVE, dataPadding, encodeHeader, walkTar, bufferSource, type TarEntry } from '../../infrastructure/segment/tar-header';

const T = 1_700_000_000_123_456_789n;

describe('file metadata codecs', () => {
  it('an attribute list survives its catalog text, any names and byte values', () => {
    const xattr = fc.tuple(fc.string({ minLength: 1, maxLength: 20 }), fc.uint8Array({ maxLength: 64 }));
    fc.assert(
      fc.property(fc.uniqueArray(xattr, { selector: ([n]) => n, minLength: 1, maxLength: 6 }), (list) => {
        const text = xattrsText(list.map(([n, v]) => [n, Buffer.from(v)]));
        assert.ok(text !== undefined);
        const back = parseXattrsText(text);
        assert.deepEqual(back?.map(([n, v]) => [n, [...v]]), list.map(([n, v]) => [n, [...v]]));
      }),
    );
  });

  it('refuses a catalog text that is not an attribute object', () => {
    for (const bad of ['', '{}', '"x"', '[["user.a",1]]', '[["user.a","not base64!"]]', '[["","AA=="]]', '[["user.a"]]']) assert.equal(parseXattrsText(bad), undefined, bad);
  });

  it('Entry metadata fields are optional and decode with any text', () => {
    const base = { path: '/a', kind: 'file', size: 1, mtimeNs: '-1000000000000000000', mode: 420 };
    assert.equal(ArchivedEntry.is(base), true);
    fc.assert(fc.property(fc.string(), fc.string(), fc.string(), fc.string(), (uname, gname, xattrs, link) => ArchivedEntry.is({ ...base, uname, gname, xattrs, link })));
    assert.equal(ArchivedEntry.is({ ...base, uname: 7 }), false);
  });

  it('splits times before 1970 into seconds towards minus infinity and nanoseconds', () => {
    assert.deepEqual(splitNs(-1n), { seconds: -1n, nanoseconds: 999_999_999 });
    assert.deepEqual(splitNs(-86_400_500_000_000n), { seconds: -86_401n, nanoseconds: 500_000_000 });
    assert.deepEqual(splitNs(T), { seconds: 1_700_000_000n, nanoseconds: 123_456_789 });
  });

  it('sets a time before 1970 and one with nanoseconds exactly (to the microsecond without the addon)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lto-times-'));
    try {
      const p = path.join(dir, 'f');
      fs.writeFileSync(p, 'x');
      for (const ns of [-1_000_000_000_000_000_000n, -86_400_500_000_001n, T]) {
        setTimes(p, ns);
        const floorUs = ns - (((ns % 1000n) + 1000n) % 1000n);
        assert.equal(fs.statSync(p, { bigint: true }).mtimeNs, exactTimes ? ns : floorUs);
      }
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });

  it('writes an ACL in the text GNU tar writes (names where the system has them)', () => {
    // user::rw-, user:65534:rw-, group::r--, mask::rw-, other::r-- as Linux stores it.
    const value = Buffer.from('0200000001000600ffffffff02000600feff000004000400ffffffff10000600ffffffff20000400ffffffff', 'hex');
    assert.equal(aclText(value), 'user::rw-\nuser:nobody:rw-\ngroup::r--\nmask::rw-\nother::r--\n');
    assert.equal(aclText(Buffer.from('01000000', 'hex')), undefined);
  });
});

/** getfattr (Debian attr) reads back what GNU tar extracted; CI installs it (.ci/run). */
const attrToolsMissing = (): string | false =>
  spawnSync('getfattr', ['--version'], { stdio: 'ignore' }).error === undefined ? false : 'getfattr is not installed (Debian: attr)';

describe('tar headers with owner names, attributes and hard links', () => {
  const entry = (extra: Partial<TarEntry>): TarEntry => ({ path: 'd/f.txt', type: 'file', size: 3, mode: 0o644, mtimeNs: T, uid: 65534, gid: 65534, ...extra });
  const archive = (entries: readonly TarEntry[]): Buffer =>
    Buffer.concat([...entries.flatMap((e) => (e.type === 'file' ? [encodeHeader(e), Buffer.from('abc'), Buffer.alloc(dataPadding(3))] : [encodeHeader(e)])), END_OF_ARCHIVE]);

  it('GNU tar lists the owner names, the binary attribute and the link; the reader steps over the link', { skip: attrToolsMissing() }, () => {
    const bytes = archive([
      entry({ uname: 'nobody', gname: 'a-group-name-longer-than-32-bytes-x', pax: [['SCHILY.xattr.user.bin', Buffer.from([0, 0xff, 0x0a, 0x3d])]] }),
      { ...entry({ uname: 'nobody', gname: 'nogroup' }), path: 'd/g.txt', type: 'hardlink', size: 0, linkTarget: 'd/f.txt' },
    ]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lto-tar-'));
    try {
      const tar = path.join(dir, 'x.tar');
      fs.writeFileSync(tar, bytes);
      const listed = execFileSync('tar', ['--xattrs', '-tvvf', tar], { encoding: 'utf8' });
      assert.match(listed, /nobody\/a-group-name-longer-than-32-bytes-x/);
      assert.match(listed, /x: 4 user\.bin/);
      assert.match(listed, /d\/g\.txt link to d\/f\.txt/);
      execFileSync('tar', ['--xattrs', '--xattrs-include=*', '-xf', tar, '-C', dir]);
      assert.equal(fs.statSync(path.join(dir, 'd', 'g.txt')).ino, fs.statSync(path.join(dir, 'd', 'f.txt')).ino);
      assert.deepEqual(execFileSync('getfattr', ['--only-values', '-n', 'user.bin', path.join(dir, 'd', 'f.txt')]), Buffer.from([0, 0xff, 0x0a, 0x3d]));
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
    const listing = walkTar(bufferSource(bytes));
    assert.equal(listing.complete, true);
    assert.deepEqual(listing.entries.map((e) => [e.entry.path, e.entry.type, e.entry.mtimeNs]), [['d/f.txt', 'file', T]]);
  });

  it('writes GNU tar sparse 1.0 maps: extents, and an end extent when the file ends in a hole', () => {
    const map = sparseMap([[0, 8192], [629145600, 4096]], 1073741824);
    assert.equal(map.length, 512);
    assert.equal(map.toString('ascii').replace(/\0+$/, ''), '3\n0\n8192\n629145600\n4096\n1073741824\n0\n');
    assert.equal(sparseMap([[0, 10]], 10).toString('ascii').replace(/\0+$/, ''), '1\n0\n10\n');
    assert.equal(sparseMemberPath('tmp/a/b.img'), 'tmp/a/GNUSparseFile.0/b.img');
  });

  it('an entry without names or records encodes as before (no pax header)', () => {
    assert.equal(encodeHeader(entry({ mtimeNs: 1_700_000_000_000_000_000n })).length, 512);
  });
});
