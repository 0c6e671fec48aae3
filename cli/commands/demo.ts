import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Command } from 'commander';
import * as E from 'fp-ts/Either';
import { addTape } from '../../application/add-tape';
import type { App } from '../../application/app';
import { runBackup, DEFAULT_SEGMENT_BYTES, type BackupReport } from '../../application/backup/run-backup';
import { verifyCatalog } from '../../application/rebuild-catalog';
import type { AppError } from '../../application/errors';
import { recoverTapes } from '../../application/recover';
import { runRestore } from '../../application/restore/run-restore';
import { runVerify } from '../../application/verify';
import { changeSampleTree, compareTrees, makeSampleTree } from '../../infrastructure/demo/sample-tree';
import { contentDifferences } from '../../projections/ports/tape-contents';
import { withoutApp, type ActionResult, type RunState } from '../action';
import { openApp } from '../bootstrap';
import { EXIT } from '../exit-codes';
import type { Io } from '../io';
import { formatBytes } from '../ui/format';

const STEPS = 7;
const TAPE = 'DEMO01L8';

/** `16 files and 9 folders or links, 1.2 MB`: what a person counts, not catalog entries. */
const counted = (files: number, entries: number, bytes: number): string => {
  const others = entries - files;
  return `${files} file${files === 1 ? '' : 's'}${others > 0 ? ` and ${others} folder${others === 1 ? '' : 's'} or link${others === 1 ? '' : 's'}` : ''}, ${formatBytes(bytes)}`;
};

const backupLine = (r: BackupReport): string => {
  const p = r.plan;
  const written = `${formatBytes(r.totals.bytesWritten)} written to the tape in ${r.segments} segment${r.segments === 1 ? '' : 's'}`;
  if (r.mode === 'FULL') return `${r.status === 'SUCCESS' ? 'full backup done' : `full backup ${r.status}`}: ${counted(p.new.files, p.new.entries, p.new.bytes)}; ${written}`;
  const changed = p.new.files + p.modified.files;
  return (
    `${r.status === 'SUCCESS' ? 'incremental backup done' : `incremental backup ${r.status}`}: ${changed} file${changed === 1 ? '' : 's'} new or changed, ` +
    `${p.deleted} deleted, ${p.unchanged.files} unchanged (not written again); ${written}`
  );
};

/** The demo's own data folder: a fresh temporary one, so the user's catalog is never touched. */
const demoFolder = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'lto-demo-'));

export const registerDemo = (program: Command, io: Io, state: RunState): void => {
  program
    .command('demo')
    .description('try it out in a data folder of its own: back up, restore, verify, and recover from the tape alone')
    .action(() => withoutApp(io, state, () => runDemo(io, demoFolder())));
};

const runDemo = async (io: Io, home: string): Promise<ActionResult> => {
  const s = io.style;
  io.out(`The demo works in its own data folder, ${s.bold(home)}: your catalog is not touched (remove that folder when done).`);
  const opened = await openApp(io, { dataDir: home, db: path.join(home, 'catalog.db') });
  if (E.isLeft(opened)) return opened;
  try {
    return await demoSteps(io, opened.right.app, home);
  } finally {
    await opened.right.close();
  }
};

const demoSteps = async (io: Io, app: App, home: string): Promise<ActionResult> => {
  const s = io.style;
  const step = (n: number, text: string) => io.out(`\n${s.bold(s.cyan(`Step ${n}/${STEPS}`))}  ${text}`);
  const done = (text: string) => io.out(`  ${s.green('✓')} ${text}`);
  const failed = (text: string): ActionResult => {
    io.err(`  ${s.red('✗')} ${text}`);
    return E.right(EXIT.FAILED);
  };
  const hint = (text: string) => io.out(`    ${s.dim(text)}`);
  const source = path.join(home, 'source');
  const restoreTo = path.join(home, 'restored');

  step(1, `Add tape ${TAPE}: no drive needed, a folder stands in for the cartridge`);
  const added = await addTape(app, { barcode: TAPE, mount: undefined, description: 'lto-archive demo tape', generation: undefined });
  if (E.isLeft(added)) return added;
  const mount = added.right.mount;
  done(`initialised at ${mount}`);
  hint(`lto tape add ${TAPE} --mount ${mount}`);

  step(2, `Back up a sample tree (${source})`);
  makeSampleTree(source);
  const base = { tape: TAPE, sources: [source], incremental: 'auto' as const, excludes: [], checksum: false, dryRun: false, mount: undefined, segmentTargetBytes: DEFAULT_SEGMENT_BYTES };
  const full = await runBackup(app, base);
  if (E.isLeft(full)) return full;
  done(backupLine(full.right));
  hint(`full because ${full.right.modeReason}`);
  hint(`lto backup ${TAPE} ${source}`);

  step(3, 'Change the tree (edit a file, add one, delete one), then back up again');
  changeSampleTree(source);
  const incremental = await runBackup(app, base);
  if (E.isLeft(incremental)) return incremental;
  done(backupLine(incremental.right));
  hint(`incremental because ${incremental.right.modeReason}`);
  hint(`lto backup ${TAPE} ${source}`);

  step(4, `Restore the latest tree to ${restoreTo} and compare it with the source`);
  const restored = await runRestore(app, { tape: TAPE, to: restoreTo, job: undefined, paths: [], overwrite: false, dryRun: false, stripComponents: 0, mount: undefined });
  if (E.isLeft(restored)) return restored;
  const differences = compareTrees(source, path.join(restoreTo, source));
  if (differences.length > 0) return failed(`the restored tree differs: ${differences.slice(0, 10).join(', ')}`);
  done(`${restored.right.restored.files} files, ${formatBytes(restored.right.restored.bytes)}, each checked against its SHA-256; identical to the source (contents, folders, links)`);
  hint(`lto restore ${TAPE} --to ${restoreTo}`);

  step(5, 'Verify: read every file back from the tape and check its hash');
  const verified = await runVerify(app, { tape: TAPE, job: undefined, quick: false, noKey: false, mount: undefined });
  if (E.isLeft(verified)) return verified;
  if (verified.right.status !== 'PASSED') return failed(`verify found damage: ${verified.right.status}`);
  done(`PASSED: ${verified.right.jobs.length} backups, ${formatBytes(verified.right.bytesRead)} read back`);
  hint(`lto verify ${TAPE}`);

  step(6, 'Disaster recovery: rebuild an empty catalog from the tape alone, and compare');
  const recovered = await recoverIntoEmptyCatalog(io, path.join(home, 'recovered'), mount, app);
  if (E.isLeft(recovered)) return recovered;
  if (recovered.right.length > 0) return failed(`the catalog recovered from the tape differs: ${recovered.right.join('; ')}`);
  const contents = await app.catalog.tapeContents(TAPE);
  const backups = (await app.catalog.jobs({ tape: TAPE })).filter((j) => j.type === 'BACKUP').length;
  done(`equal: the tape alone gave back the same ${contents.jobs.length} jobs (${backups} backups) and ${contents.versions.length} archived versions of files and folders`);
  hint(`lto recover --mount ${mount}`);

  step(7, 'Check the catalog: what it shows equals a fresh replay of its events');
  const check = await verifyCatalog(app);
  if (check.differences.length > 0) return failed(`the catalog differs from a replay of its ${check.events} events`);
  done(`consistent: ${check.events} events replayed, nothing differs`);
  hint('lto catalog check');

  io.out(`\nDone. Look around this demo's catalog (without it, lto uses yours):`);
  io.out(`  ${s.bold(`LTO_HOME=${home} npx lto browse ${TAPE}`)}`);
  io.out(`  ${s.bold(`LTO_HOME=${home} npx lto jobs --tape ${TAPE}`)}`);
  io.out(`  ${s.bold(`LTO_HOME=${home} npx lto tape history ${TAPE}`)}`);
  io.out(`  ${s.bold(`LTO_HOME=${home} npx lto serve`)}   (the same in a browser: open the address it prints)`);
  return E.right(EXIT.OK);
};

/** Recovers the tape into a new catalog in `folder`; returns what differs from the demo's catalog (nothing, when all is well). */
const recoverIntoEmptyCatalog = async (io: Io, folder: string, mount: string, demo: App): Promise<E.Either<AppError, string[]>> => {
  const opened = await openApp({ ...io, err: () => undefined }, { dataDir: folder, db: path.join(folder, 'catalog.db') });
  if (E.isLeft(opened)) return opened;
  try {
    const recovered = await recoverTapes(opened.right.app, { mounts: [mount], salvage: false, secrets: undefined });
    if (E.isLeft(recovered)) return recovered;
    return E.right(contentDifferences(await demo.catalog.tapeContents(TAPE), await opened.right.app.catalog.tapeContents(TAPE)));
  } finally {
    await opened.right.close();
  }
};
