import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { journalLines, sandbox, type Sandbox } from '../support/cli';

interface TapeJson {
  tape: string;
  generation: string;
  capacityBytes: number;
  usedBytes: number;
  description: string;
  encrypted: boolean;
  labels: string[];
}

interface HistoryJson {
  seq: number | null;
  type: string;
  at: string;
  data: Record<string, unknown>;
  state: string;
}

describe('lto tape add (real CLI, folders as tapes)', () => {
  let box: Sandbox;
  beforeEach(() => {
    box = sandbox();
  });
  afterEach(() => box.cleanup());

  it('initialises a blank mount: volume.json, a 3-record journal, and a catalog entry', () => {
    const mount = box.mountPoint('ltfs');
    const added = box.lto(['tape', 'add', '000012L5', '--mount', mount, '--description', 'Photos 2019']);
    assert.equal(added.status, 0, added.stderr);

    const label = JSON.parse(fs.readFileSync(path.join(mount, 'LTO-ARCHIVE', 'volume.json'), 'utf8'));
    assert.equal(label.tape, '000012L5');
    assert.equal(label.format, 'lto-archive/1');
    const records = journalLines(mount).map((line) => JSON.parse(line));
    assert.deepEqual(
      records.map((r) => [r.seq, r.event.type]),
      [
        [1, 'JobStarted'],
        [2, 'TapeInitialised'],
        [3, 'JobCompleted'],
      ],
    );

    const tapes = box.json<{ tapes: TapeJson[] }>(['tape', 'list']).tapes;
    assert.deepEqual(tapes, [
      {
        tape: '000012L5',
        generation: 'L5',
        capacityBytes: 1_500_000_000_000,
        usedBytes: 0,
        description: 'Photos 2019',
        encrypted: false,
        state: 'ACTIVE',
        labels: [],
        set: null,
        location: 'library',
        copyFlags: [],
      },
    ]);
  });

  it('records adding a tape as an ADD_TAPE job that succeeded', () => {
    const mount = box.mountPoint('ltfs');
    assert.equal(box.lto(['tape', 'add', '000012L5', '--mount', mount]).status, 0);
    const jobs = box.json<{ jobs: { type: string; status: string; tape: string; endedAt: string | null }[] }>(['jobs']).jobs;
    assert.equal(jobs.length, 1);
    assert.equal(jobs[0]!.type, 'ADD_TAPE');
    assert.equal(jobs[0]!.status, 'SUCCESS');
    assert.equal(jobs[0]!.tape, '000012L5');
    assert.notEqual(jobs[0]!.endedAt, null);
  });

  it('shows the audit trail oldest first with journal seqs', () => {
    const mount = box.mountPoint('ltfs');
    box.lto(['tape', 'add', '000012L5', '--mount', mount]);
    const history = box.json<{ events: HistoryJson[] }>(['tape', 'history', '000012L5']).events;
    assert.deepEqual(
      history.map((e) => [e.seq, e.type, e.state]),
      [
        [1, 'JobStarted', 'written'],
        [2, 'TapeInitialised', 'written'],
        [3, 'JobCompleted', 'written'],
      ],
    );
    assert.equal(history[1]!.data['tape'], '000012L5');
  });

  it('without --mount or a drive uses a folder-backed tape in the data folder and says so', () => {
    const added = box.lto(['tape', 'add', 'ABC123L9']);
    assert.equal(added.status, 0, added.stderr);
    assert.match(added.stdout, /folder-backed/);
    assert.ok(fs.existsSync(path.join(box.home, 'tapes', 'ABC123L9', 'LTO-ARCHIVE', 'volume.json')));
    const shown = box.json<{ tape: string; generation: string; capacityBytes: number }>(['tape', 'show', 'ABC123L9']);
    assert.equal(shown.generation, 'L9');
    assert.equal(shown.capacityBytes, 18_000_000_000_000);
  });

  it('takes the generation from --generation when the media code does not say it', () => {
    const mount = box.mountPoint('ltfs');
    const refused = box.lto(['tape', 'add', '000020XY', '--mount', mount]);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /--generation/);
    const added = box.lto(['tape', 'add', '000020XY', '--mount', mount, '--generation', 'PA']);
    assert.equal(added.status, 0, added.stderr);
    assert.equal(box.json<{ generation: string }>(['tape', 'show', '000020XY']).generation, 'PA');
  });

  it('knows LTO-10 as LA and PA, says which drives take it, and refuses the 9-character L10 that earlier versions took', () => {
    const added = box.lto(['tape', 'add', '000021LA', '--mount', box.mountPoint('la')]);
    assert.equal(added.status, 0, added.stderr);
    const shown = box.json<{ generation: string; capacityBytes: number; drives: string }>(['tape', 'show', '000021LA']);
    assert.equal(shown.generation, 'LA');
    assert.equal(shown.capacityBytes, 30e12);
    assert.match(shown.drives, /only LTO-10 drives read or write it/);
    assert.equal(box.lto(['tape', 'add', '000022PA', '--mount', box.mountPoint('pa')]).status, 0);
    assert.equal(box.json<{ capacityBytes: number }>(['tape', 'show', '000022PA']).capacityBytes, 40e12);
    for (const args of [['000023L10'], ['000023XY', '--generation', 'L10']]) {
      const refused = box.lto(['tape', 'add', ...args, '--mount', box.mountPoint(`l10-${args.length}`)]);
      assert.equal(refused.status, 2, refused.stderr);
      assert.match(refused.stderr, /L10 is not an LTO media code: labels are 6 \+ 2 characters, and an LTO-10 cartridge is …LA \(30 TB\) or …PA/);
    }
  });

  it('changes a description and writes it to the journal', () => {
    const mount = box.mountPoint('ltfs');
    box.lto(['tape', 'add', '000012L5', '--mount', mount]);
    const described = box.lto(['tape', 'describe', '000012L5', 'Photos 2019-2020']);
    assert.equal(described.status, 0, described.stderr);
    assert.equal(journalLines(mount).length, 4);
    assert.equal(box.json<{ description: string }>(['tape', 'show', '000012L5']).description, 'Photos 2019-2020');
  });
});
