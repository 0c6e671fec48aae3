import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { journalLines, sandbox, type Sandbox } from '../support/cli';
import { Pty } from '../support/pty';
import { treeFacts } from '../support/trees';

const TAPE = '000800L8';
const OTHER = '000801L8';

interface TapeRow {
  tape: string;
}

describe('lto tape forget', () => {
  let box: Sandbox;
  let src: string;
  let mount: string;
  let jobsBefore: unknown;
  before(() => {
    box = sandbox();
    src = path.join(box.root, 'src');
    fs.mkdirSync(path.join(src, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(src, 'holiday.jpg'), 'picture');
    fs.writeFileSync(path.join(src, 'sub', 'notes.txt'), 'notes');
    mount = box.mountPoint('tape');
    assert.equal(box.lto(['tape', 'add', TAPE, '--mount', mount]).status, 0);
    assert.equal(box.lto(['tape', 'add', OTHER, '--mount', box.mountPoint('other')]).status, 0);
    assert.equal(box.lto(['backup', TAPE, src]).status, 0);
    jobsBefore = box.json(['jobs', '--tape', TAPE]);
  });
  after(() => box.cleanup());

  it('off a terminal without --yes it refuses, in one line, and changes nothing', () => {
    const r = box.lto(['tape', 'forget', TAPE]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^error: .*--yes/);
    assert.ok(box.json<{ tapes: TapeRow[] }>(['tape', 'list']).tapes.some((t) => t.tape === TAPE));
  });

  it('on a terminal it asks first: anything but yes changes nothing', async () => {
    const pty = new Pty(['tape', 'forget', TAPE], { HOME: box.root, LTO_HOME: box.home, NO_COLOR: '1' });
    await pty.waitFor(/Forget tape 000800L8 \(1 backup\(s\), 2 file\(s\)\) in this catalog\?.*\[y\/N\]/);
    await pty.type('n\r');
    assert.equal(await pty.exitCode(30_000), 1, pty.text());
    assert.match(pty.text(), /Nothing changed/);
    assert.ok(box.json<{ tapes: TapeRow[] }>(['tape', 'list']).tapes.some((t) => t.tape === TAPE));
  });

  it('an unknown tape is refused', () => {
    assert.equal(box.lto(['tape', 'forget', '000899L8', '--yes']).status, 3);
  });

  it('with --yes the tape leaves the catalog (list, search, jobs), the tape journal is untouched, and the catalog checks', () => {
    const journal = journalLines(mount);
    const r = box.lto(['tape', 'forget', TAPE, '--yes']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /000800L8 is no longer in this catalog/);
    assert.deepEqual(box.json<{ tapes: TapeRow[] }>(['tape', 'list']).tapes.map((t) => t.tape), [OTHER]);
    assert.deepEqual(box.json<{ jobs: unknown[] }>(['jobs', '--tape', TAPE]).jobs, []);
    const found = box.lto(['search', 'holiday', '--json']);
    assert.doesNotMatch(found.stdout, /holiday\.jpg/);
    assert.deepEqual(journalLines(mount), journal, 'forgetting writes nothing to the tape');
    assert.equal(box.lto(['catalog', 'check']).status, 0, 'the live catalog equals a replay');
    assert.equal(box.lto(['backup', TAPE, src]).status, 3, 'a forgotten tape is not in the catalog');
    assert.equal(box.lto(['tape', 'describe', TAPE, 'changed', '--mount', mount]).status, 3);
    const added = box.lto(['tape', 'add', TAPE, '--mount', mount]);
    assert.equal(added.status, 3);
    assert.match(added.stderr, /^error: tape 000800L8 was forgotten by this catalog: `lto recover --mount PATH` of its cartridge brings it back/);
    assert.deepEqual(journalLines(mount), journal, 'nor does anything tried on a forgotten tape');
  });

  it('lto recover of the tape brings it back as it was: jobs, files, restore; the catalog checks, before and after a rebuild', () => {
    const r = box.lto(['recover', '--mount', mount]);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(box.json<{ tapes: TapeRow[] }>(['tape', 'list']).tapes.some((t) => t.tape === TAPE));
    const backups = (listed: unknown) => JSON.stringify((listed as { jobs: { type: string }[] }).jobs.filter((j) => j.type === 'BACKUP'));
    assert.equal(backups(box.json(['jobs', '--tape', TAPE])), backups(jobsBefore));
    assert.match(box.lto(['search', 'holiday', '--json']).stdout, /holiday\.jpg/);
    const out = path.join(box.root, 'out');
    assert.equal(box.lto(['restore', TAPE, '--to', out]).status, 0);
    assert.deepEqual(treeFacts(path.join(out, src)), treeFacts(src));
    assert.equal(box.lto(['catalog', 'check']).status, 0);
    assert.equal(box.lto(['catalog', 'rebuild']).status, 0);
    assert.equal(box.lto(['catalog', 'check']).status, 0);
    assert.equal(backups(box.json(['jobs', '--tape', TAPE])), backups(jobsBefore));
    const history = box.json<{ events: { type: string }[] }>(['tape', 'history', TAPE]).events.map((e) => e.type);
    assert.ok(history.includes('TapeForgotten') && history.includes('TapeRecalled'), 'the audit trail says so');
  });
});
