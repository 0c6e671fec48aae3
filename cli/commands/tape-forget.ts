import type { Command } from 'commander';
import * as E from 'fp-ts/Either';
import { forgetTape, previewForget } from '../../application/forget-tape';
import { tapeIdFromInput } from '../../application/tape-id-input';
import { printJson, withApp, type RunState } from '../action';
import type { GlobalOptions } from '../bootstrap';
import { EXIT } from '../exit-codes';
import type { Io } from '../io';
import { terminalAsk } from '../ui/ask';

interface Options {
  readonly yes?: boolean;
  readonly json?: boolean;
}

export const registerTapeForget = (tape: Command, io: Io, state: RunState, globals: () => GlobalOptions): void => {
  tape
    .command('forget')
    .description('take a tape out of this catalog (its cartridge keeps everything: `lto recover --mount` brings it back)')
    .argument('<tape>', 'tape id (barcode)')
    .option('--yes', 'do not ask for confirmation (needed off a terminal)')
    .option('--json', 'print the result as JSON')
    .action((id: string, options: Options) =>
      withApp(io, state, globals(), async ({ app }) => {
        const tapeId = tapeIdFromInput(id);
        if (E.isLeft(tapeId)) return tapeId;
        const preview = await previewForget(app, tapeId.right);
        if (E.isLeft(preview)) return preview;
        if (options.yes !== true) {
          if (!io.interactive) {
            return E.left({ _tag: 'InvalidOption', option: '--yes', value: '', expected: 'a confirmation: off a terminal, forgetting a tape takes --yes' });
          }
          const { jobs, files } = preview.right;
          const answer = await terminalAsk(
            `Forget tape ${tapeId.right} (${jobs} backup(s), ${files} file(s)) in this catalog? The cartridge keeps everything; \`lto recover --mount PATH\` brings it back. [y/N] `,
          );
          if (answer === undefined || !/^y(es)?$/i.test(answer.trim())) {
            io.err('Nothing changed.');
            return E.right(EXIT.FAILED);
          }
        }
        const forgotten = await forgetTape(app, tapeId.right);
        if (E.isLeft(forgotten)) return forgotten;
        if (options.json === true) printJson(io, { tape: forgotten.right.tape, forgotten: true, jobs: forgotten.right.jobs, files: forgotten.right.files });
        else io.out(`${io.style.green('✓')} ${tapeId.right} is no longer in this catalog; its cartridge keeps everything (\`lto recover --mount PATH\` brings it back).`);
        return E.right(EXIT.OK);
      }),
    );
};
