import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { sandbox, type Sandbox } from '../support/cli';
import { Pty } from '../support/pty';
import { treeFacts } from '../support/trees';

const TAPES = ['000111L5', '000112L5', '000113L5'] as const;
const KiB = 1024;

/**
 * One drive, a person at the terminal (issue "Real LTFS" §6): the drive is a symlink
 * that the test points at one tape folder at a time, as a person swaps cartridges;
 * the backup asks for the next barcode, then for the swap, and the restore says which
 * tape it needs next.
 */
describe('a spanning backup and its restore with one drive, on a terminal', () => {
  let box: Sandbox;
  let src: string;
  let drive: string;
  let folders: string[];
  const insert = (i: number): void => {
    fs.rmSync(drive, { force: true });
    fs.symlinkSync(folders[i]!, drive);
  };
  const env = () => ({ HOME: box.root, LTO_HOME: box.home, NO_COLOR: '1' });

  beforeEach(() => {
    box = sandbox();
    src = path.join(box.root, 'src');
    fs.mkdirSync(path.join(src, 'clips'), { recursive: true });
    for (let i = 0; i < 4; i++) fs.writeFileSync(path.join(src, 'clips', `c${i}.bin`), randomBytes(600 * KiB));
    folders = TAPES.map((t) => box.mountPoint(t));
    drive = path.join(box.root, 'drive');
    TAPES.forEach((tape, i) => {
      insert(i);
      const added = box.lto(['tape', 'add', tape, '--mount', drive, '--capacity', '1MiB']);
      assert.equal(added.status, 0, added.stderr);
    });
  });
  afterEach(() => box.cleanup());

  it('asks for the next barcode and the swap, then restores asking for each tape in order', async () => {
    insert(0);
    const backup = new Pty(['backup', TAPES[0], src, '--span', '--mount', drive], env());
    for (const i of [1, 2]) {
      await backup.waitFor(/Barcode of the next tape/);
      await backup.type(`${TAPES[i]}\r`);
      await backup.waitFor(new RegExp(`mount ${TAPES[i]} \\(part ${i + 1}\\)`));
      insert(i);
      await backup.type(`${drive}\r`);
    }
    assert.equal(await backup.exitCode(30_000), 0, backup.text());
    assert.match(backup.text(), /the job spans 3 tapes/);

    // The last tape is in the drive; the restore of its part needs the two before it first.
    const to = path.join(box.root, 'restored');
    const restore = new Pty(['restore', TAPES[2], '--to', to, '--mount', drive], env());
    for (const i of [0, 1, 2]) {
      await restore.waitFor(new RegExp(`Tape ${i + 1} of 3 is needed next: mount ${TAPES[i]}`));
      insert(i);
      await restore.type(`${drive}\r`);
    }
    assert.equal(await restore.exitCode(30_000), 0, restore.text());
    assert.deepEqual(treeFacts(path.join(to, src)), treeFacts(src));
  });
});
