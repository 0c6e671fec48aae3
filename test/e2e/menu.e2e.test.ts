import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sandbox, type Sandbox } from '../support/cli';
import { DOWN, Pty, UP } from '../support/pty';

describe('interactive menu on a terminal (real pseudo-terminal)', () => {
  let box: Sandbox;
  before(() => {
    box = sandbox();
  });
  after(() => box.cleanup());

  it('adds a tape, backs up a folder and restores it, showing each command line and asking before writing', async () => {
    const source = path.join(box.root, 'photos');
    fs.mkdirSync(path.join(source, '2019'), { recursive: true });
    fs.writeFileSync(path.join(source, '2019', 'beach.dng'), 'sand and sea');
    fs.writeFileSync(path.join(source, 'notes.txt'), 'hello');
    const mount = box.mountPoint('tape');
    const target = box.mountPoint('restored');
    const found = path.join(box.root, 'found');

    const pty = new Pty([], { HOME: box.root, LTO_HOME: box.home, NO_COLOR: '1' });
    try {
      await pty.waitFor(/Main menu[\s\S]*Quit/);
      assert.match(pty.text(), /Verify a tape/);
      assert.doesNotMatch(pty.text(), /not available/);
      // 1. Add a tape.
      await pty.type('\r');
      await pty.waitFor(/Barcode of the tape/);
      await pty.type('000012L5\r');
      await pty.waitFor(/Description/);
      await pty.type('Photos\r');
      await pty.waitFor(/Mount point/);
      await pty.type(`${mount}\r`);
      await pty.waitFor(/Encrypt this tape\?/);
      await pty.type('\r');
      await pty.waitFor(/Run it\?/);
      assert.match(pty.text(), /Command: lto tape add 000012L5 --description Photos --mount \S+tape/);
      await pty.type('y\r');
      await pty.waitFor(/Main menu[\s\S]*Quit/);

      // 2. Back up the folder (second entry).
      await pty.type(`${DOWN}\r`);
      await pty.waitFor(/Back up to which tape\?[\s\S]*000012L5/);
      await pty.type('\r');
      await pty.waitFor(/Folder to back up/);
      await pty.type(`${source}\r`);
      await pty.waitFor(/Another folder/);
      await pty.type('\r');
      await pty.waitFor(/Leave out paths/);
      await pty.type('\r');
      await pty.waitFor(/incremental/);
      await pty.type('n\r');
      await pty.waitFor(/another tape \(span\)/);
      await pty.type('\r');
      await pty.waitFor(/Run it\?/);
      assert.match(pty.text(), new RegExp(`Command: lto backup 000012L5 ${source.replace(/[/.]/g, '\\$&')} --full\\s`));
      await pty.type('y\r');
      await pty.waitFor(/Main menu[\s\S]*Quit/, 60_000);

      // 3. Restore it (third entry) into another folder.
      await pty.type(`${DOWN}${DOWN}\r`);
      await pty.waitFor(/Restore from which tape\?/);
      await pty.type('\r');
      await pty.waitFor(/as of which backup\?[\s\S]*The latest[\s\S]*FULL/);
      await pty.type('\r');
      await pty.waitFor(/Restore into which folder/);
      await pty.type(`${target}\r`);
      await pty.waitFor(/Only paths matching/);
      await pty.type('\r');
      await pty.waitFor(/Run it\?/);
      assert.match(pty.text(), /Command: lto restore 000012L5 --to \S+restored/);
      await pty.type('y\r');
      await pty.waitFor(/Main menu[\s\S]*Quit/, 60_000);

      // 4. Verify it (fifth entry): every file read back.
      await pty.type(`${DOWN}${DOWN}${DOWN}${DOWN}\r`);
      await pty.waitFor(/Verify which tape\?/);
      await pty.type('\r');
      await pty.waitFor(/quick/);
      await pty.type('n\r');
      await pty.waitFor(/Run it\?/);
      assert.match(pty.text(), /Command: lto verify 000012L5\s/);
      await pty.type('y\r');
      await pty.waitFor(/verify \w{8} PASSED[\s\S]*Main menu[\s\S]*Quit/, 60_000);

      // 5. Find a file by name and restore that version alone (eighth entry).
      await pty.type(`${DOWN.repeat(7)}\r`);
      await pty.waitFor(/Search for/);
      await pty.type('beach\r');
      await pty.waitFor(/Restore which one[\s\S]*000012L5 .*beach\.dng/);
      await pty.type('\r');
      await pty.waitFor(/Restore into which folder/);
      await pty.type(`${found}\r`);
      await pty.waitFor(/Run it\?/);
      assert.match(pty.text(), /Command: lto restore 000012L5 --job \S+ --path \S+beach\.dng --to \S+found/);
      await pty.type('y\r');
      await pty.waitFor(/Main menu[\s\S]*Quit/, 60_000);

      // Quit: the last entry, one up from the first (the list wraps around).
      await pty.type(`${UP}\r`);
      assert.equal(await pty.exitCode(), 0);
    } finally {
      pty.kill();
    }
    assert.equal(fs.readFileSync(path.join(found, source, '2019', 'beach.dng'), 'utf8'), 'sand and sea');
    assert.equal(fs.existsSync(path.join(found, source, 'notes.txt')), false, 'only the file found');
    assert.equal(fs.readFileSync(path.join(target, source, '2019', 'beach.dng'), 'utf8'), 'sand and sea');
    assert.equal(fs.readFileSync(path.join(target, source, 'notes.txt'), 'utf8'), 'hello');
    assert.deepEqual(box.json<{ tapes: { tape: string; description: string }[] }>(['tape', 'list']).tapes.map((t) => [t.tape, t.description]), [['000012L5', 'Photos']]);
  });

  it('writes nothing when the confirmation is declined', async () => {
    const pty = new Pty([], { HOME: box.root, LTO_HOME: path.join(box.root, 'other-home'), NO_COLOR: '1' });
    try {
      await pty.waitFor(/Main menu[\s\S]*Quit/);
      await pty.type('\r');
      await pty.waitFor(/Barcode/);
      await pty.type('000099L6\r');
      await pty.waitFor(/Description/);
      await pty.type('\r');
      await pty.waitFor(/Mount point/);
      await pty.type('\r');
      await pty.waitFor(/Encrypt this tape\?/);
      await pty.type('\r');
      await pty.waitFor(/Run it\?/);
      await pty.type('n\r');
      await pty.waitFor(/Cancelled: nothing was written[\s\S]*Main menu/);
      await pty.type('\u0003');
      assert.equal(await pty.exitCode(), 130, 'Ctrl-C exits 130, as a shell expects');
    } finally {
      pty.kill();
    }
    const list = box.lto(['tape', 'list', '--json'], { LTO_HOME: path.join(box.root, 'other-home') });
    assert.deepEqual(JSON.parse(list.stdout), { schema: 1, tapes: [] });
  });

  it('checks each answer as it is given and asks again, Esc goes back one step, Tab completes a path', async () => {
    const home = path.join(box.root, 'third-home');
    const folder = box.mountPoint('tab-completion-target');
    const pty = new Pty([], { HOME: box.root, LTO_HOME: home, NO_COLOR: '1' });
    try {
      await pty.waitFor(/Main menu[\s\S]*Quit/);
      await pty.type('\r');
      await pty.waitFor(/Barcode of the tape/);
      // A typo is refused at once, with the reason, and the question stays.
      await pty.type('12L5\r');
      await pty.waitFor(/Not a barcode: .*12L5/);
      await pty.type('\u0015000077L6\r');
      await pty.waitFor(/Description/);
      await pty.type('Offsite\r');
      await pty.waitFor(/Mount point/);
      // Tab completes the folder's name (no tab character lands in the path).
      await pty.type(`${path.join(box.root, 'tab-compl')}\t`);
      await pty.waitFor(/tab-completion-target\//);
      await pty.type('\r');
      await pty.waitFor(/Encrypt this tape\?/);
      // Esc: back to the mount point, then to the description, whose answer is asked again.
      await pty.type('\u001b');
      await pty.waitFor(/Mount point/);
      await pty.type('\u001b');
      await pty.waitFor(/Description/);
      await pty.type('Vault\r');
      await pty.waitFor(/Mount point/);
      await pty.type(`${folder}\r`);
      await pty.waitFor(/Encrypt this tape\?/);
      await pty.type('\r');
      await pty.waitFor(/Run it\?/);
      assert.match(pty.text(), /Command: lto tape add 000077L6 --description Vault --mount \S+tab-completion-target\s/);
      await pty.type('y\r');
      await pty.waitFor(/Main menu[\s\S]*Quit/);
      // The new entries: the tapes, and the jobs.
      await pty.type(`${UP}${UP}${UP}\r`);
      await pty.waitFor(/000077L6[\s\S]*Vault[\s\S]*Main menu/);
      await pty.type(`${UP}${UP}\r`);
      await pty.waitFor(/The jobs of which tape\?[\s\S]*Every tape/);
      await pty.type('\r');
      await pty.waitFor(/ADD_TAPE[\s\S]*Main menu/);
      await pty.type(`${UP}\r`);
      assert.equal(await pty.exitCode(), 0);
    } finally {
      pty.kill();
    }
    const listed = box.lto(['tape', 'list', '--json'], { LTO_HOME: home });
    assert.deepEqual((JSON.parse(listed.stdout) as { tapes: { tape: string; description: string }[] }).tapes.map((t) => [t.tape, t.description]), [['000077L6', 'Vault']]);
  });

  it('creates a tape set and moves a tape, from the tape sets entry', async () => {
    const home = path.join(box.root, 'sets-home');
    const mount = box.mountPoint('set-tape');
    assert.equal(box.lto(['tape', 'add', '000088L6', '--mount', mount], { LTO_HOME: home }).status, 0);
    const pty = new Pty([], { HOME: box.root, LTO_HOME: home, NO_COLOR: '1' });
    try {
      await pty.waitFor(/Main menu[\s\S]*Quit/);
      // The tenth entry.
      await pty.type(`${DOWN.repeat(9)}\r`);
      await pty.waitFor(/Tape sets and locations:/);
      await pty.type(`${DOWN}${DOWN}\r`);
      await pty.waitFor(/Set name/);
      await pty.type('bad/name\r');
      await pty.waitFor(/A set name is 1-40 letters/);
      await pty.type('\u0015photos\r');
      await pty.waitFor(/Copies of every job/);
      await pty.type('2\r');
      await pty.waitFor(/Run it\?/);
      assert.match(pty.text(), /Command: lto set create photos --copies 2\s/);
      await pty.type('y\r');
      await pty.waitFor(/Tape set photos created \(2 copies[\s\S]*Main menu[\s\S]*Quit/);
      await pty.type(`${DOWN.repeat(9)}\r`);
      await pty.waitFor(/Tape sets and locations:/);
      await pty.type(`${UP}\r`);
      await pty.waitFor(/Which tape\?[\s\S]*000088L6/);
      await pty.type('\r');
      await pty.waitFor(/Where is it kept now/);
      await pty.type('Vault B\r');
      await pty.waitFor(/Run it\?/);
      assert.match(pty.text(), /Command: lto tape move 000088L6 --to 'Vault B'/);
      await pty.type('y\r');
      await pty.waitFor(/000088L6 is now in Vault B[\s\S]*Main menu/);
      await pty.type('\u0003');
      await pty.exitCode();
    } finally {
      pty.kill();
    }
    const shown = box.lto(['tape', 'show', '000088L6', '--json'], { LTO_HOME: home });
    assert.equal((JSON.parse(shown.stdout) as { location: string }).location, 'Vault B');
  });

  it('copies a tape onto another, from the copies entry', async () => {
    const home = path.join(box.root, 'copies-home');
    const [src, dst] = [box.mountPoint('copy-src'), box.mountPoint('copy-dst')];
    const source = box.mountPoint('copy-source');
    fs.writeFileSync(path.join(source, 'a.txt'), 'kept twice');
    for (const [tape, mount] of [['000091L6', src], ['000092L6', dst]] as const) assert.equal(box.lto(['tape', 'add', tape, '--mount', mount], { LTO_HOME: home }).status, 0);
    assert.equal(box.lto(['backup', '000091L6', source], { LTO_HOME: home }).status, 0);
    const pty = new Pty([], { HOME: box.root, LTO_HOME: home, NO_COLOR: '1' });
    try {
      await pty.waitFor(/Main menu[\s\S]*Quit/);
      // The eleventh entry.
      await pty.type(`${DOWN.repeat(10)}\r`);
      await pty.waitFor(/Copies, migration and retirement:[\s\S]*Retire a tape/);
      await pty.type('\r');
      await pty.waitFor(/Copy from which tape\?[\s\S]*000092L6/);
      await pty.type('\r');
      await pty.waitFor(/Onto which tape \(added first\)\?[\s\S]*000092L6/);
      await pty.type(`${DOWN}\r`);
      await pty.waitFor(/Run it\?/);
      assert.match(pty.text(), /Command: lto copy 000091L6 000092L6\s/);
      await pty.type('y\r');
      await pty.waitFor(/-> 000092L6 as \S+ SUCCESS[\s\S]*Main menu/, 60_000);
      await pty.type('\u0003');
      await pty.exitCode();
    } finally {
      pty.kill();
    }
    const jobs = JSON.parse(box.lto(['jobs', '--json'], { LTO_HOME: home }).stdout) as { jobs: { tape: string; type: string; status: string }[] };
    assert.deepEqual(jobs.jobs.filter((j) => j.type === 'COPY').map((j) => [j.tape, j.status]), [['000092L6', 'SUCCESS']]);
  });

  it('does not start the menu when not on a terminal: scripts get the help', () => {
    const r = box.lto([]);
    assert.doesNotMatch(r.stdout + r.stderr, /Main menu/);
    assert.match(r.stdout + r.stderr, /Usage: lto/);
  });
});
