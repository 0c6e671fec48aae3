import * as assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { journalLines, sandbox, type Sandbox } from '../support/cli';

interface TapeJson {
  readonly tape: string;
  readonly labels: readonly string[];
}

describe('lto label', () => {
  let box: Sandbox;
  let mountA: string;
  beforeEach(() => {
    box = sandbox();
    mountA = box.mountPoint('a');
    assert.equal(box.lto(['tape', 'add', '000012L5', '--mount', mountA]).status, 0);
    assert.equal(box.lto(['tape', 'add', '000013L5', '--mount', box.mountPoint('b')]).status, 0);
  });
  afterEach(() => box.cleanup());

  it('creates, assigns, filters tapes by label, and lists labels with their colour and tape count', () => {
    assert.deepEqual(box.json(['label', 'create', 'archive', '--color', '#FF8800']), { schema: 1, label: 'archive', changed: true, pending: false });
    assert.equal(box.lto(['label', 'create', 'offsite']).status, 0);
    assert.deepEqual(box.json(['label', 'assign', '000012L5', 'archive', '--mount', mountA]), { schema: 1, label: 'archive', changed: true, pending: false, tape: '000012L5' });
    assert.equal(box.lto(['label', 'assign', '000013l5', 'offsite']).status, 0);
    assert.equal(box.lto(['label', 'assign', '000012L5', 'offsite', '--mount', mountA]).status, 0);

    const all = box.json<{ tapes: TapeJson[] }>(['tape', 'list']).tapes;
    assert.deepEqual(all.map((t) => [t.tape, t.labels]), [['000012L5', ['archive', 'offsite']], ['000013L5', ['offsite']]]);
    assert.deepEqual(box.json<{ tapes: TapeJson[] }>(['tape', 'list', '--label', 'archive']).tapes.map((t) => t.tape), ['000012L5']);
    assert.deepEqual(box.json<TapeJson>(['tape', 'show', '000012L5']).labels, ['archive', 'offsite']);

    const labels = box.json<{ labels: { label: string; color: string; tapes: number }[] }>(['label', 'list']).labels;
    assert.deepEqual(labels.map((l) => [l.label, l.color, l.tapes]), [['archive', '#ff8800', 1], ['offsite', '#808080', 2]]);
    const plain = box.lto(['tape', 'list', '--label', 'archive']);
    assert.match(plain.stdout, /000012L5.*archive, offsite/);
  });

  it("writes an assignment to the tape's journal with its colour, so the tape alone carries it", () => {
    box.lto(['label', 'create', 'archive', '--color', '#123456']);
    box.lto(['label', 'assign', '000012L5', 'archive', '--mount', mountA]);
    const last = JSON.parse(journalLines(mountA).at(-1)!) as { event: { type: string; data: unknown } };
    assert.equal(last.event.type, 'TapeLabelled');
    assert.deepEqual(last.event.data, { tape: '000012L5', label: 'archive', color: '#123456' });
  });

  it('refuses unknown labels, bad colours and names, and deleting a label in use; unassigning makes it deletable', () => {
    const unknown = box.lto(['label', 'assign', '000012L5', 'nope']);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /no label nope/);
    assert.equal(box.lto(['label', 'create', 'x', '--color', 'orange']).status, 2);
    assert.equal(box.lto(['label', 'create', '../x']).status, 2);
    box.lto(['label', 'create', 'archive']);
    box.lto(['label', 'assign', '000012L5', 'archive', '--mount', mountA]);
    const inUse = box.lto(['label', 'delete', 'archive']);
    assert.equal(inUse.status, 1);
    assert.match(inUse.stderr, /on 1 tape\(s\) \(000012L5\)/);
    assert.deepEqual(box.json(['label', 'unassign', '000012L5', 'archive', '--mount', mountA]), { schema: 1, label: 'archive', changed: true, pending: false, tape: '000012L5' });
    assert.equal(box.lto(['label', 'delete', 'archive']).status, 0);
    assert.deepEqual(box.json(['label', 'list']), { schema: 1, labels: [] });
    assert.deepEqual(box.json<{ tapes: TapeJson[] }>(['tape', 'list']).tapes.map((t) => t.labels), [[], []]);
  });

  it('keeps the catalog equal to a replay, and a rebuild gives the same labels', () => {
    box.lto(['label', 'create', 'archive', '--color', '#ff8800']);
    box.lto(['label', 'create', 'gone']);
    box.lto(['label', 'assign', '000012L5', 'archive', '--mount', mountA]);
    box.lto(['label', 'delete', 'gone']);
    const before = { tapes: box.json(['tape', 'list']), labels: box.json(['label', 'list']) };
    assert.equal(box.lto(['catalog', 'check']).status, 0);
    assert.equal(box.lto(['catalog', 'rebuild']).status, 0);
    assert.deepEqual({ tapes: box.json(['tape', 'list']), labels: box.json(['label', 'list']) }, before);
  });
});
