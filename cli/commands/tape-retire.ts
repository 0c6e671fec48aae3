import type { Command } from 'commander';
import * as E from 'fp-ts/Either';
import { previewRetire, retireTape } from '../../application/tape-service';
import { printJson, withApp, type RunState } from '../action';
import type { GlobalOptions } from '../bootstrap';
import { EXIT } from '../exit-codes';
import type { Io } from '../io';
import { terminalAsk } from '../ui/ask';
import { MESSAGES } from '../ui/messages';

interface Options {
  readonly force?: boolean;
  readonly yes?: boolean;
  readonly mount?: string;
  readonly json?: boolean;
}

/** `lto tape retire ID`: once every job it holds has its set's copies elsewhere (else refused, naming them; `--force` asks first). */
export const registerTapeRetire = (tape: Command, io: Io, state: RunState, globals: () => GlobalOptions): void => {
  tape
    .command('retire')
    .description('retire a tape for good: no backup or copy writes to it again (refused while a job it holds lacks its copies elsewhere)')
    .argument('<tape>', 'tape id (barcode)')
    .option('--force', 'retire it even though jobs it holds lack their copies elsewhere (asks first on a terminal)')
    .option('--yes', 'with --force: do not ask (needed off a terminal)')
    .option('--mount <path>', 'where the tape is mounted (the retirement is then written to its journal at once)')
    .option('--json', 'print the result as JSON')
    .action((id: string, options: Options) =>
      withApp(io, state, globals(), async ({ app }) => {
        const preview = await previewRetire(app, id);
        if (E.isLeft(preview)) return preview;
        const { tape, unprotected } = preview.right;
        const force = options.force === true;
        if (force && unprotected.length > 0 && options.yes !== true) {
          if (!io.interactive) return E.left({ _tag: 'InvalidOption', option: '--yes', value: '', expected: 'a confirmation: off a terminal, retiring with --force takes --yes' });
          const listed = unprotected.map((j) => `${j.job} (${j.files} file${j.files === 1 ? '' : 's'})`).join(', ');
          const answer = await terminalAsk(`Retire ${tape} although ${unprotected.length} job(s) it holds lack their copies elsewhere: ${listed}? [y/N] `);
          if (answer === undefined || !/^y(es)?$/i.test(answer.trim())) {
            io.err('Nothing changed.');
            return E.right(EXIT.FAILED);
          }
        }
        const retired = await retireTape(app, tape, force, options.mount);
        if (E.isLeft(retired)) return retired;
        const r = retired.right;
        if (options.json === true) printJson(io, { tape: r.tape, retired: true, changed: r.changed, pending: r.pending, lost: r.lost });
        else if (!r.changed) io.out(`${r.tape} was already retired`);
        else io.out(`${io.style.green('✓')} ${r.tape} retired: no backup or copy writes to it again${r.pending ? `; ${MESSAGES.labels.pending}` : ''}`);
        return E.right(EXIT.OK);
      }),
    );
};
