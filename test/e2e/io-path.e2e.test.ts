import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sandbox, type Sandbox } from '../support/cli';

const TAPE = '000710L8';

interface CacheFile {
  filesystems: { filesystem: string; measuredAt: number; writeDirect: boolean; readDirect: boolean }[];
}

const restoredBytes = (root: string, name: string): Buffer => {
  const found = fs.readdirSync(root, { recursive: true, encoding: 'utf8' }).find((p) => path.basename(p) === name);
  assert.ok(found !== undefined, `${name} restored`);
  return fs.readFileSync(path.join(root, found));
};

describe('the large-file I/O path through the CLI', () => {
  let box: Sandbox;
  let src: string;
  const big = randomBytes(9 * 1024 * 1024 + 777);
  before(() => {
    box = sandbox();
    src = path.join(box.root, 'src');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'big.bin'), big);
    assert.equal(box.lto(['tape', 'add', TAPE, '--mount', box.mountPoint('tape')]).status, 0);
  });
  after(() => box.cleanup());

  it('the first backup probes the tape folder once and remembers it; the next backup takes the remembered choice', () => {
    const first = box.lto(['backup', TAPE, src]);
    assert.equal(first.status, 0, first.stderr);
    const cacheFile = path.join(box.home, 'io-paths.json');
    const cache = JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as CacheFile;
    assert.equal(cache.filesystems.length, 1);
    const measuredAt = cache.filesystems[0]?.measuredAt;
    fs.appendFileSync(path.join(src, 'big.bin'), 'more');
    const second = box.lto(['backup', TAPE, src]);
    assert.equal(second.status, 0, second.stderr);
    const again = JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as CacheFile;
    assert.equal(again.filesystems[0]?.measuredAt, measuredAt, 'no second probe');
    const to = path.join(box.root, 'out');
    assert.equal(box.lto(['restore', TAPE, '--to', to]).status, 0);
    assert.ok(restoredBytes(to, 'big.bin').equals(Buffer.concat([big, Buffer.from('more')])));
  });

  it('LTO_IO_PATH=buffered is honoured (the same bytes restored), and a value it does not take is one line, not a failure', () => {
    const to = path.join(box.root, 'out-buffered');
    fs.appendFileSync(path.join(src, 'big.bin'), 'again');
    const backup = box.lto(['backup', TAPE, src], { LTO_IO_PATH: 'buffered' });
    assert.equal(backup.status, 0, backup.stderr);
    const restore = box.lto(['restore', TAPE, '--to', to], { LTO_IO_PATH: 'fast' });
    assert.equal(restore.status, 0, restore.stderr);
    const notices = restore.stderr.split('\n').filter((line) => line.includes('LTO_IO_PATH'));
    assert.deepEqual(notices, ['LTO_IO_PATH=fast is not auto, direct or buffered: auto is used']);
    assert.ok(restoredBytes(to, 'big.bin').equals(Buffer.concat([big, Buffer.from('moreagain')])));
  });
});
