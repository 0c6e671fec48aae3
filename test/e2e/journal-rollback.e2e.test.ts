import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { dumpCatalog } from '../support/catalog-dump';
import { sandbox, type CliResult, type Sandbox } from '../support/cli';
import { treeFacts } from '../support/trees';

const TAPE = '000061L8';

const ok = (result: CliResult, what: string): CliResult => {
  assert.equal(result.status, 0, `${what}: exit ${result.status}\n${result.stderr}`);
  assert.doesNotMatch(result.stderr, /internal error|SeqTakenError|\n\s+at /, what);
  return result;
};

interface Rolled {
  readonly box: Sandbox;
  readonly mount: string;
  readonly first: string;
  readonly second: string;
}

/**
 * What LTFS does after a power loss, on a folder: the whole archive folder goes back to how
 * it was at an earlier moment (its last index), here just after the first backup. The
 * catalog still holds the second backup as on tape.
 */
const rolledBackTape = (): Rolled => {
  const box = sandbox();
  const mount = box.mountPoint('tape');
  const first = path.join(box.root, 'src', 'first');
  const second = path.join(box.root, 'src', 'second');
  for (const [dir, count, size] of [[first, 10, 2000], [second, 8, 60_000]] as const) {
    fs.mkdirSync(dir, { recursive: true });
    for (let i = 0; i < count; i++) fs.writeFileSync(path.join(dir, `f${i}.bin`), Buffer.alloc(size, `${path.basename(dir)}${i}`));
  }
  ok(box.lto(['tape', 'add', TAPE, '--mount', mount]), 'tape add');
  ok(box.lto(['backup', TAPE, first, '--mount', mount]), 'first backup');
  const index = path.join(box.root, 'last-index');
  fs.cpSync(path.join(mount, 'LTO-ARCHIVE'), index, { recursive: true });
  ok(box.lto(['backup', TAPE, second, '--mount', mount, '--segment-size', '100KiB']), 'second backup');
  fs.rmSync(path.join(mount, 'LTO-ARCHIVE'), { recursive: true });
  fs.cpSync(index, path.join(mount, 'LTO-ARCHIVE'), { recursive: true });
  return { box, mount, first, second };
};

const backups = (box: Sandbox) =>
  box.json<{ jobs: { job: string; type: string; status: string; reason: string | null }[] }>(['jobs', '--tape', TAPE]).jobs.filter((j) => j.type === 'BACKUP');

/** After the repair: the lost work is written again by an incremental, all restores, and the tape alone recovers the same catalog. */
const checkRepaired = ({ box, mount, first, second }: Rolled): void => {
  ok(box.lto(['verify', TAPE, '--mount', mount]), 'verify');
  const partial = path.join(box.root, 'out-partial');
  ok(box.lto(['restore', TAPE, '--to', partial, '--mount', mount]), 'restore of what the tape still holds');
  assert.deepEqual(treeFacts(path.join(partial, first)), treeFacts(first));
  assert.equal(fs.existsSync(path.join(partial, second)), false, 'the lost files are not claimed as on the tape');
  const again = ok(box.lto(['backup', TAPE, second, '--incremental', '--mount', mount, '--json']), 'incremental');
  assert.equal((JSON.parse(again.stdout) as { plan: { new: { files: number } } }).plan.new.files, 8, "the lost files are new again");
  const out = path.join(box.root, 'out');
  ok(box.lto(['restore', TAPE, '--to', out, '--mount', mount]), 'restore');
  assert.deepEqual(treeFacts(path.join(out, first)), treeFacts(first));
  assert.deepEqual(treeFacts(path.join(out, second)), treeFacts(second));
  const catalog = path.join(box.home, 'catalog.db');
  const before = dumpCatalog(catalog);
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${catalog}${suffix}`, { force: true });
  ok(box.lto(['recover', '--mount', mount]), 'recover');
  assert.equal(dumpCatalog(catalog), before);
};

describe('a tape rolled back to an earlier index (LTFS after a power loss), on a folder', () => {
  it('the next contact says so in one line, writes the lost events again, records the lost segments, and goes on', () => {
    const rolled = rolledBackTape();
    try {
      const shown = ok(rolled.box.lto(['tape', 'show', TAPE, '--mount', rolled.mount]), 'tape show');
      assert.match(shown.stderr, /the journal of 000061L8 ends at record \d+ but the catalog had it up to record \d+: LTFS rolled the tape back/);
      assert.match(shown.stderr, /segment\(s\) 1, 2, 3, 4 missing from the tape after an LTFS index rollback/);
      const [firstJob, secondJob] = backups(rolled.box);
      assert.equal(firstJob?.status, 'SUCCESS');
      assert.equal(secondJob?.status, 'FAILED', 'a success whose segments are gone is a failure');
      assert.match(secondJob?.reason ?? '', /missing from the tape after an LTFS index rollback/);
      const again = ok(rolled.box.lto(['tape', 'show', TAPE, '--mount', rolled.mount]), 'tape show again');
      assert.doesNotMatch(again.stderr, /rolled the tape back/, 'repaired once');
      checkRepaired(rolled);
    } finally {
      rolled.box.cleanup();
    }
  });

  it('written since by another catalog: its events are imported, the lost ones written after them', () => {
    const rolled = rolledBackTape();
    try {
      const elsewhere = { LTO_HOME: path.join(rolled.box.root, 'elsewhere') };
      ok(rolled.box.lto(['recover', '--mount', rolled.mount], elsewhere), 'recover elsewhere');
      ok(rolled.box.lto(['tape', 'describe', TAPE, 'written elsewhere', '--mount', rolled.mount], elsewhere), 'describe elsewhere');
      const shown = ok(rolled.box.lto(['tape', 'show', TAPE, '--mount', rolled.mount, '--json']), 'tape show');
      assert.match(shown.stderr, /holds other events than the catalog from record \d+ on: LTFS rolled the tape back/);
      assert.equal((JSON.parse(shown.stdout) as { description: string }).description, 'written elsewhere');
      checkRepaired(rolled);
    } finally {
      rolled.box.cleanup();
    }
  });
});
