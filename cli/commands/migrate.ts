import type { Command } from 'commander';
import * as E from 'fp-ts/Either';
import { runMigrate, type MigrateReport } from '../../application/copy/migrate';
import { printJson, withApp, type RunState } from '../action';
import type { GlobalOptions } from '../bootstrap';
import type { Io } from '../io';
import { collect } from '../ui/parse';
import { CopyKeys } from '../../application/copy/copy-keys';
import { withKeyOptions } from '../key-options';
import { cliSecrets } from '../secrets';
import { copyExit, copyJson, printReport, terminalTapeAsk, withCopyProgress } from './copy';

interface Options {
  readonly to: string[];
  readonly mount: string[];
  readonly stage?: string;
  readonly breakLock?: boolean;
  readonly json?: boolean;
  readonly key?: string;
  readonly passphraseFile?: string;
}

/** The `migrate --json` shape (docs/JSON.md). */
export const migrateJson = (r: MigrateReport) => ({
  from: r.from,
  to: r.to,
  status: r.status,
  copies: r.copies.map(copyJson),
  alreadyCopied: r.alreadyCopied,
  verified: r.verified,
  notMigrated: r.notMigrated,
  migrated: r.migrated,
  pending: r.pending,
});

/** `lto migrate SRC --to DST…`: a whole tape copied forward, read back, and marked MIGRATED. */
export const registerMigrate = (program: Command, io: Io, state: RunState, globals: () => GlobalOptions): void => {
  withKeyOptions(program
    .command('migrate'))
    .description('copy every job of a tape onto newer tapes (filled in order), read each copy back against its hashes, then mark the tape MIGRATED')
    .argument('<src>', 'the tape to migrate (barcode)')
    .requiredOption('--to <tape...>', 'the tapes to copy to, in order (added with `lto tape add` first; same generation or newer)')
    .option('--mount <path>', 'where the tapes are mounted (repeatable: one per drive; each found by its label)', collect, [])
    .option('--stage <dir>', 'one drive: read SRC into this folder first (checked for room; emptied after)')
    .option('--break-lock', 'take the tapes even though another lto holds their lock (only once sure that one is gone)')
    .option('--json', 'print one summary object as JSON')
    .action(async (src: string, options: Options) =>
      withApp(io, state, globals(), async ({ app }) => {
        const { result: report, stopped } = await withCopyProgress(io, 'migrating', options.json === true, (progress, stop) =>
          runMigrate(
            app,
            { from: src, to: options.to, mounts: options.mount, ...(options.stage === undefined ? {} : { stage: options.stage }), breakLock: options.breakLock === true, stop, keys: new CopyKeys(app, cliSecrets(io, options)) },
            progress,
            terminalTapeAsk(io),
          ),
        );
        if (E.isLeft(report)) return report;
        const r = report.right;
        if (options.json === true) printJson(io, migrateJson(r));
        else {
          for (const copy of r.copies) printReport(io, copy);
          if (r.alreadyCopied > 0) io.err(io.errStyle.dim(`${r.alreadyCopied} job(s) of ${r.from} already had a copy on ${r.to.join(', ')}: left as they are`));
          for (const n of r.notMigrated) io.err(io.errStyle.red(`job ${n.job} not migrated: ${n.reason}`));
          if (r.migrated) io.out(`${io.style.green('✓')} ${r.from} migrated to ${r.to.join(', ')}: ${r.verified} cop${r.verified === 1 ? 'y' : 'ies'} read back and equal to the original; retire it with \`lto tape retire ${r.from}\` once you are done with it`);
          else io.err(io.errStyle.red(`${r.from} is not marked migrated: not every job it holds has a verified copy`));
        }
        return E.right(copyExit(r.status, stopped));
      }),
    );
};
