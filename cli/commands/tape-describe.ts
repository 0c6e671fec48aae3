import type { Command } from 'commander';
import * as E from 'fp-ts/Either';
import { describeTape } from '../../application/describe-tape';
import { tapeIdFromInput } from '../../application/tape-id-input';
import { ok, printJson, withApp, type RunState } from '../action';
import type { GlobalOptions } from '../bootstrap';
import type { Io } from '../io';

export const registerTapeDescribe = (tape: Command, io: Io, state: RunState, globals: () => GlobalOptions): void => {
  tape
    .command('describe')
    .description("change a tape's description (written to its journal now, or when it is next mounted writable)")
    .argument('<tape>', 'tape id (barcode)')
    .argument('<description>', 'the new description')
    .option('--mount <path>', 'where the tape is mounted')
    .option('--json', 'print the result as JSON')
    .action((id: string, description: string, options: { mount?: string; json?: boolean }) =>
      withApp(io, state, globals(), async ({ app }) => {
        const tapeId = tapeIdFromInput(id);
        if (E.isLeft(tapeId)) return tapeId;
        const result = await describeTape(app, tapeId.right, description, options.mount);
        if (E.isLeft(result)) return result;
        if (options.json === true) printJson(io, { tape: tapeId.right, description, ...result.right });
        else if (!result.right.changed) io.out('The description is already that: nothing to change.');
        else if (result.right.pending) {
          io.out(`${io.style.yellow('!')} Description changed in the catalog; the tape was not writable, so the event is pending until it is next mounted writable.`);
        } else io.out(`${io.style.green('✓')} Description changed and written to the tape's journal.`);
        return ok;
      }),
    );
};
