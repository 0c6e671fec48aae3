import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { dumpCatalog } from '../support/catalog-dump';
import { sandbox, stoppedIn, waitFor, type CliResult, type Sandbox } from '../support/cli';
import { formatCartridge, mountCartridge, realLtfsMissing, remountAfterPowerLoss, type MountedCartridge } from '../support/ltfs-cartridge';
import { treeFacts } from '../support/trees';

const TAPE = '000051L5';

/** Files with their own content: `count` files of `size` bytes in one folder. */
const writeFiles = (dir: string, count: number, size: number, tag: string): void => {
  fs.mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    const line = `${tag} file ${i} `;
    fs.writeFileSync(path.join(dir, `${tag}-${i}.bin`), Buffer.from(line.repeat(Math.ceil(size / line.length)).slice(0, size)));
  }
};

const ok = (result: CliResult, what: string): CliResult => {
  assert.equal(result.status, 0, `${what}: exit ${result.status}\n${result.stderr}`);
  return result;
};

/** What a user must never see, whatever happened to the drive. */
const noInternalError = (result: CliResult, what: string): void => {
  assert.doesNotMatch(result.stderr, /internal error|SeqTakenError|\n\s+at /, `${what}: ${result.stderr}`);
};

/** Block files of the data partition (`1_<block>_<R|F|E>`) of a file-emulated cartridge. */
const dataFilemarks = (cartridge: string): number => fs.readdirSync(cartridge).filter((f) => /^1_\d+_F$/.test(f)).length;

interface Moment {
  readonly name: string;
  /** The backup freezes here (LTO_STOP_AT), then the drive loses power. */
  readonly stopAt: string;
  /** After the freeze, let the backup go on until this holds, then cut the power. */
  readonly cutWhen?: (cartridge: string, before: number) => boolean;
  /** Whether the journal is then behind the catalog (undefined: it depends on how far the index got). */
  readonly rollback: boolean | undefined;
  /** The notice naming the segments the rollback took, when it takes some. */
  readonly lost?: RegExp;
  /** The cut backup's status once the next command has run. */
  readonly status: 'INTERRUPTED' | 'SUCCESS';
}

const MOMENTS: readonly Moment[] = [
  { name: 'before the first segment closes', stopAt: 'entry-written#2', rollback: true, status: 'INTERRUPTED' },
  {
    name: 'between segments',
    stopAt: 'after-segment-recorded#2',
    rollback: true,
    lost: /segment\(s\) 1, 2 missing from the tape after an LTFS index rollback/,
    status: 'INTERRUPTED',
  },
  // The index asked for before the end event holds the segments: only the end event is lost, and written again.
  { name: "after the job's end, before the index write", stopAt: 'job-ended', rollback: true, status: 'SUCCESS' },
  {
    name: 'during the index write',
    stopAt: 'job-ended',
    // LTFS starts an index with a filemark on the data partition: the first new one is the index being written.
    cutWhen: (cartridge, before) => dataFilemarks(cartridge) > before,
    rollback: undefined,
    status: 'SUCCESS',
  },
];

/**
 * A power loss at each moment of a backup (issue 14 §3): the ltfs process is killed, the
 * volume remounted (with ltfsck when LTFS asks for it), and then the next commands must
 * work: every closed segment restores, the lost work is written again, and a recovery
 * from the tape alone gives the catalog the machine has.
 */
describe('real LTFS: power loss during a backup, index rollback', { skip: realLtfsMissing() }, () => {
  it('a mount whose ltfs died answers in one line what to do (ENOTCONN), never a stack trace', async () => {
    const box = sandbox();
    const held: { tape?: MountedCartridge } = {};
    try {
      const cartridge = path.join(box.root, 'cartridge');
      formatCartridge(cartridge, { serial: TAPE.slice(0, 6), capacityMb: 1024 });
      held.tape = await mountCartridge(cartridge, path.join(box.root, 'mnt'));
      ok(box.lto(['tape', 'add', TAPE, '--mount', held.tape.mount]), 'tape add');
      await held.tape.powerLoss({ release: false });
      const shown = box.lto(['tape', 'show', TAPE, '--mount', held.tape.mount]);
      assert.equal(shown.status, 3, shown.stderr);
      assert.match(shown.stderr, /^error: the mount at .* is no longer connected \(ENOTCONN\): the drive lost power or ltfs ended; unmount it .*ltfsck/);
      assert.equal(shown.stderr.trim().split('\n').length, 1, shown.stderr);
    } finally {
      await held.tape?.unmount();
      box.cleanup();
    }
  });

  for (const moment of MOMENTS) {
    it(`${moment.name}: the next commands repair the journal, nothing closed is lost, recover gives the same catalog`, async () => {
      const box = sandbox();
      const held: Held = {};
      try {
        await powerLossAt(box, moment, held);
      } finally {
        // A failed assertion must not leave the frozen backup behind.
        held.stop?.();
        await held.tape?.unmount();
        // LTO_KEEP_SANDBOX=1 leaves the cartridge and its ltfs log to look at.
        if (process.env['LTO_KEEP_SANDBOX'] === undefined) box.cleanup();
      }
    });
  }
});

interface Held {
  tape?: MountedCartridge;
  stop?: () => void;
}

const powerLossAt = async (box: Sandbox, moment: Moment, held: Held): Promise<void> => {
  const cartridge = path.join(box.root, 'cartridge');
  formatCartridge(cartridge, { serial: TAPE.slice(0, 6), capacityMb: 1024 });
  let tape = await mountCartridge(cartridge, path.join(box.root, 'mnt'));
  held.tape = tape;
  const mount = tape.mount;
  const first = path.join(box.root, 'src', 'first');
  const second = path.join(box.root, 'src', 'second');
  writeFiles(first, 20, 3000, 'first');
  writeFiles(second, 12, 300_000, 'second');
  ok(box.lto(['tape', 'add', TAPE, '--mount', mount]), 'tape add');
  ok(box.lto(['backup', TAPE, first, '--mount', mount]), 'first backup');

  const running = box.ltoAsync(['backup', TAPE, second, '--mount', mount, '--segment-size', '1MiB'], { LTO_STOP_AT: moment.stopAt });
  held.stop = running.kill;
  let frozen = 0;
  await waitFor(`the backup to reach ${moment.stopAt}`, () => (frozen = stoppedIn(running.pid) ?? 0) > 0, 60_000);
  if (moment.cutWhen !== undefined) {
    const before = dataFilemarks(cartridge);
    process.kill(frozen, 'SIGCONT');
    await waitFor('the index write to start', () => moment.cutWhen?.(cartridge, before) === true, 60_000);
    await tape.powerLoss();
  } else {
    await tape.powerLoss();
    process.kill(frozen, 'SIGCONT');
  }
  const cut = await running.done;
  noInternalError(cut, 'the backup that lost its drive');

  // The cartridge as the power loss left it, for the machine that has no catalog (below).
  fs.cpSync(cartridge, `${cartridge}-as-left`, { recursive: true });
  const remounted = await remountAfterPowerLoss(cartridge, mount);
  tape = remounted.mounted;
  held.tape = tape;
  const shown = box.lto(['tape', 'show', TAPE, '--mount', mount]);
  noInternalError(shown, 'tape show');
  ok(shown, 'tape show after the power loss');
  const rolledBack = /LTFS rolled the tape back to an earlier index/.test(shown.stderr);
  if (moment.rollback !== undefined) assert.equal(rolledBack, moment.rollback, shown.stderr);
  if (moment.lost !== undefined) assert.match(shown.stderr, moment.lost);
  else assert.doesNotMatch(shown.stderr, /missing from the tape|cut short on the tape/);
  const verified = box.lto(['verify', TAPE, '--mount', mount]);
  noInternalError(verified, 'verify');
  ok(verified, 'verify after the power loss');

  const backups = box.json<{ jobs: { job: string; type: string; status: string }[] }>(['jobs', '--tape', TAPE]).jobs.filter((j) => j.type === 'BACKUP');
  const firstJob = backups[0];
  assert.ok(firstJob !== undefined && backups.length === 2, JSON.stringify(backups));
  assert.equal(firstJob.status, 'SUCCESS', 'the first backup is still SUCCESS');
  assert.equal(backups[1]?.status, moment.status);
  const restoredFirst = path.join(box.root, 'out-first');
  ok(box.lto(['restore', TAPE, '--job', firstJob.job, '--to', restoredFirst, '--path', first, '--mount', mount]), 'restore of the first job');
  assert.deepEqual(treeFacts(path.join(restoredFirst, first)), treeFacts(first));

  // What the power loss took is written again by the next incremental; then all of it restores.
  ok(box.lto(['backup', TAPE, second, '--incremental', '--mount', mount]), 'incremental after the power loss');
  const restored = path.join(box.root, 'out');
  ok(box.lto(['restore', TAPE, '--to', restored, '--mount', mount]), 'restore of the latest');
  assert.deepEqual(treeFacts(path.join(restored, first)), treeFacts(first));
  assert.deepEqual(treeFacts(path.join(restored, second)), treeFacts(second));

  const catalog = path.join(box.home, 'catalog.db');
  const before = dumpCatalog(catalog);
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${catalog}${suffix}`, { force: true });
  ok(box.lto(['recover', '--mount', mount]), 'recover from the tape alone');
  assert.equal(dumpCatalog(catalog), before);
  await tape.unmount();

  // The machine with the catalog may be gone too: the rolled-back tape alone recovers, and its closed job restores.
  const asLeft = (await remountAfterPowerLoss(`${cartridge}-as-left`, path.join(box.root, 'mnt-as-left'))).mounted;
  held.tape = asLeft;
  const elsewhere = { LTO_HOME: path.join(box.root, 'elsewhere') };
  ok(box.lto(['recover', '--mount', asLeft.mount], elsewhere), 'recover of the rolled-back tape on another machine');
  const restoredElsewhere = path.join(box.root, 'out-elsewhere');
  ok(box.lto(['restore', TAPE, '--to', restoredElsewhere, '--path', first, '--mount', asLeft.mount], elsewhere), 'restore there');
  assert.deepEqual(treeFacts(path.join(restoredElsewhere, first)), treeFacts(first));
};
