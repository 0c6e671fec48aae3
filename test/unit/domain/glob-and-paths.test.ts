import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as E from 'fp-ts/Either';
import { roomOnTape } from '../../../domain/capacity';
import { compileGlob } from '../../../domain/glob';
import { restoreComponents } from '../../../domain/restore-path';

describe('globs over original absolute paths', () => {
  const matches = (pattern: string, path: string) => compileGlob(pattern).matches(path);

  it('** crosses folders, * and ? do not', () => {
    assert.ok(matches('**/hello.txt', '/home/me/a/b/hello.txt'));
    assert.ok(matches('**/hello.txt', '/hello.txt'));
    assert.ok(matches('/home/me/Pictures/2019/**', '/home/me/Pictures/2019/x/y.jpg'));
    assert.ok(!matches('/home/me/*.txt', '/home/me/sub/a.txt'));
    assert.ok(matches('/home/me/*.txt', '/home/me/a.txt'));
    assert.ok(matches('/home/me/?.txt', '/home/me/a.txt'));
    assert.ok(!matches('/home/me/?.txt', '/home/me/ab.txt'));
  });

  it('a pattern without / matches a name at any depth; [classes] and escapes work', () => {
    assert.ok(matches('*.dng', '/photos/2019/IMG_1.dng'));
    assert.ok(!matches('*.dng', '/photos/2019/IMG_1.jpg'));
    assert.ok(matches('IMG_[0-9].jpg', '/a/IMG_7.jpg'));
    assert.ok(!matches('IMG_[!0-9].jpg', '/a/IMG_7.jpg'));
    assert.ok(matches('\\*literal', '/a/*literal'));
    assert.ok(!matches('\\*literal', '/a/xliteral'));
  });

  it('a pattern that matches a folder selects everything in it', () => {
    assert.ok(matches('/home/me/Documents', '/home/me/Documents/taxes/2019.pdf'));
    assert.ok(!matches('/home/me/Doc', '/home/me/Documents/a'));
  });

  it('treats regex characters in names literally', () => {
    assert.ok(matches('/a/(1)+[x].txt', '/a/(1)+x.txt'));
    assert.ok(!matches('/a/(1)+[x].txt', '/a/(1)x.txt'));
    assert.ok(matches('/a/file (1).txt', '/a/file (1).txt'));
    assert.ok(matches('/a/$^.txt', '/a/$^.txt'));
  });
});

describe('restore paths from an untrusted tape', () => {
  it('re-roots absolute paths and strips components', () => {
    assert.deepEqual(restoreComponents('/home/me/a.txt', 0), E.right(['home', 'me', 'a.txt']));
    assert.deepEqual(restoreComponents('/home/me/a.txt', 2), E.right(['a.txt']));
    assert.deepEqual(restoreComponents('/home/me', 2), E.right(null));
  });

  it('refuses anything that could climb out', () => {
    for (const bad of ['/../etc/passwd', '/a/../../b', 'relative/path', '/a/./b', '/a//b', '/a/\0b']) {
      assert.ok(E.isLeft(restoreComponents(bad, 0)), bad);
    }
  });
});

describe('room on a tape', () => {
  it('keeps a 5% reserve of the capacity', () => {
    const room = roomOnTape(1_000_000, 900_000, undefined);
    assert.equal(room.reserveBytes, 50_000);
    assert.equal(room.availableBytes, 50_000);
    assert.equal(roomOnTape(1_000_000, 990_000, undefined).availableBytes, 0);
  });

  it('uses the mount free space when it is smaller, with a reserve of its own total', () => {
    const room = roomOnTape(12e12, 0, { totalBytes: 100e9, freeBytes: 30e9 });
    assert.equal(room.availableBytes, 25e9);
    assert.equal(room.reserveBytes, 5e9);
  });

  it('takes the cartridge media figures when given (capacity and use), still keeping the reserve', () => {
    // The generation says 1.5 TB and nothing used; the cartridge says 1 TB with 300 GB free.
    const room = roomOnTape(1.5e12, 0, undefined, { totalBytes: 1e12, freeBytes: 300e9 });
    assert.equal(room.capacityFrom, 'media');
    assert.equal(room.capacityBytes, 1e12);
    assert.equal(room.usedBytes, 700e9);
    assert.equal(room.reserveBytes, 50e9);
    assert.equal(room.availableBytes, 250e9);
    assert.equal(roomOnTape(1.5e12, 0, undefined, { totalBytes: 1e12, freeBytes: 40e9 }).availableBytes, 0);
    // A mount that reports less free space still limits it.
    assert.equal(roomOnTape(1.5e12, 0, { totalBytes: 1e12, freeBytes: 100e9 }, { totalBytes: 1e12, freeBytes: 300e9 }).availableBytes, 50e9);
    assert.equal(roomOnTape(1.5e12, 0, undefined).capacityFrom, 'generation');
  });
});
