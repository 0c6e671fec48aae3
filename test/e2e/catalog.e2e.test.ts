import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { sandbox, type Sandbox } from '../support/cli';

describe('lto catalog rebuild / check', () => {
  let box: Sandbox;
  beforeEach(() => {
    box = sandbox();
    box.lto(['tape', 'add', '000012L5', '--mount', box.mountPoint('a'), '--description', 'one']);
    box.lto(['tape', 'add', '000013L6', '--mount', box.mountPoint('b')]);
    box.lto(['tape', 'describe', '000013L6', 'two']);
  });
  afterEach(() => box.cleanup());

  it('passes on a catalog built by appends', () => {
    const check = box.lto(['catalog', 'check']);
    assert.equal(check.status, 0, check.stderr);
    assert.match(check.stdout, /consistent/);
  });

  it('fails when a projection row was altered, and a rebuild repairs it', () => {
    const db = new Database(path.join(box.home, 'catalog.db'));
    db.prepare("UPDATE tapes SET description = 'tampered' WHERE id = '000012L5'").run();
    db.close();
    const check = box.lto(['catalog', 'check']);
    assert.equal(check.status, 1);
    assert.match(check.stderr, /tapes/);
    assert.equal(box.lto(['catalog', 'rebuild']).status, 0);
    assert.equal(box.lto(['catalog', 'check']).status, 0);
    assert.equal(box.json<{ description: string }>(['tape', 'show', '000012L5']).description, 'one');
  });

  it('rebuilds to exactly the same tapes and jobs', () => {
    const tapes = box.json(['tape', 'list']);
    const jobs = box.json(['jobs']);
    const rebuilt = box.json<{ events: number }>(['catalog', 'rebuild']);
    assert.equal(rebuilt.events, 7);
    assert.deepEqual(box.json(['tape', 'list']), tapes);
    assert.deepEqual(box.json(['jobs']), jobs);
  });
});

describe('lto demo', () => {
  let box: Sandbox;
  beforeEach(() => {
    box = sandbox();
  });
  afterEach(() => box.cleanup());

  it('runs the main job in a data folder of its own, again and again, leaving the user\'s catalog empty', () => {
    const first = box.lto(['demo'], { TMPDIR: box.root });
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /Step 7\/7/);
    assert.match(first.stdout, /consistent/);
    const second = box.lto(['demo'], { TMPDIR: box.root });
    assert.equal(second.status, 0, second.stderr);
    assert.deepEqual(box.json<{ tapes: { tape: string }[] }>(['tape', 'list']).tapes, []);
  });

  it('prints no colour codes when NO_COLOR is set', () => {
    const result = box.lto(['demo'], { FORCE_COLOR: '1', NO_COLOR: '1', TMPDIR: box.root });
    assert.doesNotMatch(result.stdout, /\u001b\[/);
  });
});
