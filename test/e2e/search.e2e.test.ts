import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sandbox, type Sandbox } from '../support/cli';

interface SearchJson {
  pattern: string;
  target: 'name' | 'path';
  total: number;
  shown: number;
  truncated: boolean;
  lockedTapes: string[];
  results: { tape: string; path: string; name: string; type: string; bytes: number; mtime: string; job: string; backedUpAt: string }[];
}

const write = (file: string, content: string): void => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
};

describe('lto search (real CLI, two tapes, an incremental backup)', () => {
  let box: Sandbox;
  let photos: string;
  let docs: string;
  before(() => {
    box = sandbox();
    photos = path.join(box.root, 'photos');
    docs = path.join(box.root, 'docs');
    for (const year of ['2018', '2019']) {
      for (let i = 1; i <= 3; i++) write(path.join(photos, year, `IMG_${year}${i}.dng`), 'x'.repeat(i));
      write(path.join(photos, year, `IMG_${year}1.JPG`), 'jpg');
    }
    write(path.join(docs, 'Holiday plans.txt'), 'plans');
    write(path.join(docs, 'invoice_2019.pdf'), 'pdf');
    assert.equal(box.lto(['tape', 'add', '000001L8', '--mount', box.mountPoint('t1')]).status, 0);
    assert.equal(box.lto(['tape', 'add', '000002L8', '--mount', box.mountPoint('t2')]).status, 0);
    assert.equal(box.lto(['backup', '000001L8', photos]).status, 0);
    assert.equal(box.lto(['backup', '000002L8', docs]).status, 0);
    // A second version of one photo on tape 1.
    write(path.join(photos, '2019', 'IMG_20191.dng'), 'changed!');
    assert.equal(box.lto(['backup', '000001L8', photos, '--incremental']).status, 0);
  });
  after(() => box.cleanup());

  const search = (...args: string[]) => box.json<SearchJson>(['search', ...args]);

  it('finds names by glob across tapes, ignoring case, every version with its tape, job and size', () => {
    const r = search('*.dng');
    assert.equal(r.target, 'name');
    assert.equal(r.total, 7);
    assert.equal(r.truncated, false);
    assert.deepEqual(r.lockedTapes, []);
    const versions = r.results.filter((h) => h.name === 'IMG_20191.dng');
    assert.deepEqual(versions.map((h) => h.bytes), [1, 8]);
    assert.notEqual(versions[0]!.job, versions[1]!.job);
    assert.ok(r.results.every((h) => h.tape === '000001L8' && h.path.startsWith(photos) && h.type === 'file'));
    assert.ok(!Number.isNaN(Date.parse(r.results[0]!.backedUpAt)));
    assert.deepEqual(search('*.jpg').results.map((h) => h.name), ['IMG_20181.JPG', 'IMG_20191.JPG']);
  });

  it('finds a substring of a name, and whole-path globs', () => {
    assert.deepEqual(search('holiday').results.map((h) => [h.tape, h.path]), [['000002L8', path.join(docs, 'Holiday plans.txt')]]);
    assert.deepEqual(search('2019/*.jpg').results.map((h) => h.name), ['IMG_20191.JPG']);
    const underFolder = search(`${photos}/2018/**`);
    assert.equal(underFolder.target, 'path');
    assert.deepEqual(underFolder.results.map((h) => h.name).sort(), ['IMG_20181.JPG', 'IMG_20181.dng', 'IMG_20182.dng', 'IMG_20183.dng']);
  });

  it('narrows to one tape, counts everything and shows up to --limit', () => {
    assert.equal(search('2019', '--tape', '000002L8').total, 1);
    const limited = search('img_', '--limit', '3');
    assert.equal(limited.total, 9);
    assert.equal(limited.shown, 3);
    assert.equal(limited.truncated, true);
    assert.equal(search('no-such-name').total, 0);
  });

  it('prints a table for people and says how many matched, on stderr', () => {
    const r = box.lto(['search', 'invoice']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^TAPE +PATH +SIZE +MODIFIED +JOB +BACKED UP/);
    assert.match(r.stdout, /000002L8 +\S*invoice_2019\.pdf +3 B/);
    assert.match(r.stderr, /1 match/);
    assert.equal(box.lto(['search', 'x', '--tape', 'nope']).status, 2);
  });

  it('gives the same answers after a catalog rebuild, and the catalog check passes', () => {
    const before = [search('*.dng'), search('holiday'), search('2019/*')];
    assert.equal(box.lto(['catalog', 'check']).status, 0);
    assert.equal(box.lto(['catalog', 'rebuild']).status, 0);
    assert.deepEqual([search('*.dng'), search('holiday'), search('2019/*')], before);
  });
});
