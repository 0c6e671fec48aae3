import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { refused, sandbox, type Sandbox } from '../support/cli';
import { postgresSkipReason, startPostgres, type PostgresServer } from '../support/postgres';

const skip = postgresSkipReason();
let server: PostgresServer | undefined;
before(async () => {
  if (skip === undefined) server = await startPostgres();
});
after(async () => {
  await server?.stop();
});

const A = '000301L8';
const B = '000302L8';

/** What a person asks a catalog, as text to compare: the same answers mean the same catalog. */
const answers = (box: Sandbox, catalog: string): Record<string, string> => {
  const ask = (args: readonly string[]): string => {
    const r = box.lto(['--catalog', catalog, ...args]);
    assert.equal(r.status, 0, `lto ${args.join(' ')} on ${catalog}: ${r.stderr}`);
    return r.stdout;
  };
  const logs = ask(['logs', 'export', '--json']).split('\n').filter((l) => l !== '').sort();
  return {
    tapes: ask(['tape', 'list', '--json']),
    search: ask(['search', '*', '--json']),
    dng: ask(['search', '*.dng']),
    jobs: ask(['jobs', '--json']),
    // Each event's placement on each tape: journal seq and state (written, pending, local).
    logs: logs.join('\n'),
  };
};

describe('lto catalog copy: SQLite to PostgreSQL to another SQLite file', { skip: skip ?? false }, () => {
  let box: Sandbox;
  let original: string;
  let shared: string;
  let second: string;
  before(async () => {
    if (server === undefined) throw new Error('no server');
    box = sandbox();
    original = path.join(box.root, 'original.db');
    shared = await server.createDatabase();
    second = path.join(box.root, 'second.db');
    const src = path.join(box.root, 'photos');
    fs.mkdirSync(path.join(src, 'raw'), { recursive: true });
    fs.writeFileSync(path.join(src, 'raw', 'IMG_0001.dng'), 'raw picture');
    fs.writeFileSync(path.join(src, 'notes.txt'), 'notes');
    const lto = (args: readonly string[]) => {
      const r = box.lto(['--catalog', original, ...args]);
      assert.equal(r.status, 0, `lto ${args.join(' ')}: ${r.stderr}`);
    };
    const a = box.mountPoint('a');
    const b = box.mountPoint('b');
    lto(['tape', 'add', A, '--mount', a]);
    lto(['tape', 'add', B, '--mount', b]);
    lto(['backup', A, src, '--mount', a]);
    lto(['backup', B, path.join(src, 'raw'), '--mount', b]);
    lto(['label', 'create', 'offsite']);
    // B away: its label waits in the catalog, pending for its journal.
    fs.renameSync(b, `${b}.away`);
    lto(['label', 'assign', B, 'offsite']);
    fs.renameSync(`${b}.away`, b);
    // A forgotten (an event of this catalog only), then read back from its tape (TapeRecalled).
    lto(['tape', 'forget', A, '--yes']);
    lto(['recover', '--mount', a]);
  });
  after(() => box.cleanup());

  it('copies into an empty PostgreSQL database, which then answers as the original does', () => {
    const r = box.lto(['--catalog', original, 'catalog', 'copy', '--to', shared]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Copied \d+ event\(s\) of 2 tape\(s\)/);
    assert.match(r.stdout, /The copy passes `lto catalog check`/);
    const mine = answers(box, original);
    // The trail holds every kind of placement, and a tape read back after it was forgotten.
    for (const state of ['written', 'pending', 'local']) assert.match(mine['logs'] ?? '', new RegExp(`"state":\\s*"${state}"`), state);
    assert.match(mine['logs'] ?? '', /TapeRecalled/);
    assert.deepEqual(answers(box, shared), mine);
    assert.equal(box.lto(['--catalog', shared, 'catalog', 'check']).status, 0);
  });

  it('refuses a target that is not empty, in one line, writing nothing', () => {
    const before = answers(box, shared);
    refused(box.lto(['--catalog', original, 'catalog', 'copy', '--to', shared]), 5, /cannot copy the catalog to .*: it is not empty .*nothing was written/);
    assert.deepEqual(answers(box, shared), before);
  });

  it('copies the shared catalog back to a new SQLite file, with --json, both checked', () => {
    const r = box.lto(['--catalog', shared, 'catalog', 'copy', '--to', second, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const result: unknown = JSON.parse(r.stdout);
    assert.ok(typeof result === 'object' && result !== null && 'consistent' in result && 'events' in result && 'tapes' in result);
    assert.equal(result.consistent, true);
    assert.equal(result.tapes, 2);
    assert.deepEqual(answers(box, second), answers(box, original));
    assert.equal(box.lto(['--catalog', second, 'catalog', 'check']).status, 0);
    assert.equal(box.lto(['--catalog', original, 'catalog', 'check']).status, 0);
  });

  it('restores from the copy as from the original', () => {
    const to = path.join(box.root, 'restored');
    const r = box.lto(['--catalog', second, 'restore', B, '--to', to, '--mount', path.join(box.root, 'b')]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(fs.readFileSync(path.join(to, box.root, 'photos', 'raw', 'IMG_0001.dng'), 'utf8'), 'raw picture');
  });
});
