import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { judge } from '../../infrastructure/restore/existing-file';
import { PART_NAME, createPart, partPath, partTag } from '../../infrastructure/restore/part-file';

describe('temporary names of restored files', () => {
  it('are .<name>.lto-part-<8 hex of the job> in the same folder', () => {
    const tag = partTag('0192a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b');
    assert.equal(tag, '2e3f4a5b');
    assert.equal(partPath('/to/home/me/report.pdf', tag), '/to/home/me/.report.pdf.lto-part-2e3f4a5b');
    assert.equal(PART_NAME.exec(path.basename(partPath('/to/a b', tag)))?.[1], 'a b');
  });

  it('name the same file as the folder joined with the temporary name, for any restored path', () => {
    const tag = 'abcdef01';
    for (const full of ['/a', '/to/x/y.txt', 'relative/target/f', './to/f', '/to/sub dir/é ü', '/to/.hidden', `/to/${'é'.repeat(80)}`, `/to/${'x'.repeat(230)}`]) {
      const expected = path.join(path.dirname(full), path.basename(partPath(full, tag)));
      assert.equal(path.normalize(partPath(full, tag)), expected, full);
      assert.equal(PART_NAME.exec(path.basename(partPath(full, tag)))?.[2], tag, full);
    }
  });

  it('stay within 255 bytes for the longest names, and differ for names that differ', () => {
    const long = (c: string): string => partPath(`/to/${c.repeat(126)}.tx`, 'abcdef01');
    for (const name of [long('é'), long('è'), partPath(`/to/${'x'.repeat(251)}.txt`, 'abcdef01')]) {
      assert.ok(Buffer.byteLength(path.basename(name)) <= 255, name);
      assert.match(path.basename(name), PART_NAME);
    }
    assert.notEqual(long('é'), long('è'));
  });

  it("replace a crash's leftover under the same name", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lto-part-'));
    try {
      const part = partPath(path.join(dir, 'f'), 'abcdef01');
      fs.writeFileSync(part, 'half of an earlier try');
      const fd = createPart(part);
      fs.writeSync(fd, 'new');
      fs.closeSync(fd);
      assert.equal(fs.readFileSync(part, 'utf8'), 'new');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a file already there is equal only when it is', () => {
  const expected = { size: 10, mtimeUs: 5n };
  it('is absent, or differs by kind or size, whatever the mode', () => {
    for (const quick of [false, true]) {
      assert.deepEqual(judge({ _tag: 'absent' }, expected, quick), { _tag: 'absent' });
      assert.deepEqual(judge({ _tag: 'other', what: 'a folder' }, expected, quick), { _tag: 'differs', reason: 'a folder is there' });
      assert.deepEqual(judge({ _tag: 'file', size: 11, mtimeUs: 5n }, expected, quick), { _tag: 'differs', reason: '11 bytes on disk, 10 on tape' });
    }
  });
  it('of the same size needs its hash, unless quick, which compares the time', () => {
    assert.deepEqual(judge({ _tag: 'file', size: 10, mtimeUs: 6n }, expected, false), { _tag: 'hash' });
    assert.deepEqual(judge({ _tag: 'file', size: 10, mtimeUs: 5n }, expected, true), { _tag: 'equal' });
    assert.equal(judge({ _tag: 'file', size: 10, mtimeUs: 6n }, expected, true)._tag, 'differs');
  });
});
