import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import * as E from 'fp-ts/Either';
import { addTape } from '../../application/add-tape';
import type { App } from '../../application/app';
import { runBackup, DEFAULT_SEGMENT_BYTES, type BackupReport } from '../../application/backup/run-backup';
import { rebuildCatalog, verifyCatalog } from '../../application/catalog';
import { runRestore } from '../../application/restore/run-restore';
import { defaultTapeFolder } from '../../infrastructure/data-dir';
import { changeSampleTree, compareTrees, makeSampleTree } from '../../infrastructure/demo/sample-tree';
import { withApp, type RunState } from '../action';
import type { GlobalOptions } from '../bootstrap';
import { EXIT } from '../exit-codes';
import type { Io } from '../io';
import { formatBytes, formatDuration, shortId } from '../ui/format';

const STEPS = 7;

/** The first DEMOnn tape id that is neither in the catalog nor on disk, so the demo can run again. */
const freeDemoTape = (app: App): { id: string; n: string } => {
  for (let n = 1; n < 100; n++) {
    const nn = String(n).padStart(2, '0');
    const id = `DEMO${nn}L8`;
    if (app.catalog.tape(id) === undefined && !fs.existsSync(defaultTapeFolder(app.dataDir, id))) return { id, n: nn };
  }
  return { id: 'DEMOZZL8', n: 'ZZ' };
};

const backupLine = (r: BackupReport): string =>
  `${r.mode} job ${shortId(r.job ?? '')} ${r.status}: ${r.totals.files} files, ${formatBytes(r.totals.bytesRead)} read, ` +
  `${formatBytes(r.totals.bytesWritten)} in ${r.segments} segment(s); plan: ${r.plan.new.entries} new, ${r.plan.modified.entries} modified, ` +
  `${r.plan.unchanged.entries} unchanged, ${r.plan.deleted} deleted`;

export const registerDemo = (program: Command, io: Io, state: RunState, globals: () => GlobalOptions): void => {
  program
    .command('demo')
    .description('try it out: the main job on a folder-backed tape in the data folder, step by step')
    .action(() =>
      withApp(io, state, globals(), async ({ app, runner }) => {
        const s = io.style;
        const step = (n: number, text: string) => io.out(`\n${s.bold(s.cyan(`Step ${n}/${STEPS}`))}  ${text}`);
        const done = (text: string) => io.out(`  ${s.green('✓')} ${text}`);
        const hint = (text: string) => io.out(`    ${s.dim(text)}`);
        const { id, n } = freeDemoTape(app);
        const source = path.join(app.dataDir, 'demo', `source-${n}`);
        const restoreTo = path.join(app.dataDir, 'demo', `restore-${n}`);

        step(1, `Add tape ${id}: no drive needed, a folder stands in for the cartridge`);
        const added = addTape(app, { barcode: id, mount: undefined, description: 'lto-archive demo tape', generation: undefined });
        if (E.isLeft(added)) return added;
        done(`initialised at ${added.right.mount}`);
        hint(`lto tape add ${id} --mount ${added.right.mount}`);

        step(2, `Full backup of a sample tree (${source})`);
        makeSampleTree(source);
        const base = { tape: id, sources: [source], excludes: [], checksum: false, dryRun: false, mount: undefined, segmentTargetBytes: DEFAULT_SEGMENT_BYTES };
        const full = await runBackup(app, { ...base, incremental: false });
        if (E.isLeft(full)) return full;
        done(backupLine(full.right));
        hint(`lto backup ${id} ${source}`);

        step(3, 'Change the tree (edit, add, delete), then an incremental backup');
        changeSampleTree(source);
        const incremental = await runBackup(app, { ...base, incremental: true });
        if (E.isLeft(incremental)) return incremental;
        done(backupLine(incremental.right));
        hint(`lto backup ${id} ${source} --incremental`);

        step(4, `Restore the latest tree to ${restoreTo}`);
        const restored = await runRestore(app, { tape: id, to: restoreTo, job: undefined, paths: [], overwrite: false, dryRun: false, stripComponents: 0, mount: undefined });
        if (E.isLeft(restored)) return restored;
        done(`${restored.right.restored.files} files, ${formatBytes(restored.right.restored.bytes)}, every SHA-256 checked; ${formatBytes(restored.right.bytesReadFromTape)} read from tape`);
        hint(`lto restore ${id} --to ${restoreTo}`);

        step(5, 'Compare the restored tree with the source');
        const differences = compareTrees(source, path.join(restoreTo, source));
        if (differences.length > 0) {
          io.err(`  ${s.red('✗')} differences: ${differences.slice(0, 10).join(', ')}`);
          return E.right(EXIT.FAILED);
        }
        done('identical: contents, folders and symlinks');

        step(6, 'Rebuild the catalog: drop every projection and replay the events');
        const rebuilt = await rebuildCatalog(runner, app.store, () => performance.now());
        done(`${rebuilt.events} event(s) replayed in ${formatDuration(rebuilt.ms)}`);

        step(7, 'Check the catalog: live projections against a fresh replay');
        const check = await verifyCatalog(app.db, app.store);
        if (check.differences.length > 0) {
          io.err(`  ${s.red('✗')} the catalog differs from a replay in ${check.differences.map((d) => d.table).join(', ')}`);
          return E.right(EXIT.FAILED);
        }
        done(`consistent (${check.tables.map((t) => `${t.table} ${t.rows}`).join(', ')})`);
        io.out(`\nDone. Try: ${s.bold(`lto browse ${id}`)}, ${s.bold(`lto jobs --tape ${id}`)}, ${s.bold(`lto tape history ${id}`)}`);
        return E.right(EXIT.OK);
      }),
    );
};
