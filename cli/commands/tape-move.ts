import type { Command } from 'commander';
import * as E from 'fp-ts/Either';
import { moveTape } from '../../application/move-tape';
import { ok, printJson, withApp, type RunState } from '../action';
import type { GlobalOptions } from '../bootstrap';
import type { Io } from '../io';
import { MESSAGES } from '../ui/messages';

/** `lto tape move ID --to PLACE`: where a cartridge is kept, as an event of the tape. */
export const registerTapeMove = (tape: Command, io: Io, state: RunState, globals: () => GlobalOptions): void => {
  tape
    .command('move')
    .description('record where a tape is taken: library, shelf, or a named place ("Vault B")')
    .argument('<tape>', 'tape id (barcode)')
    .requiredOption('--to <place>', 'library, shelf, or a place name')
    .option('--mount <path>', 'where the tape is mounted (the move is then written to its journal at once)')
    .option('--json', 'print the result as JSON')
    .action((id: string, options: { to: string; mount?: string; json?: boolean }) =>
      withApp(io, state, globals(), async ({ app }) => {
        const moved = await moveTape(app, id, options.to, options.mount);
        if (E.isLeft(moved)) return moved;
        const r = moved.right;
        const m = MESSAGES.sets;
        if (options.json === true) printJson(io, { tape: r.tape, location: r.location, changed: r.changed, pending: r.pending });
        else if (!r.changed) io.out(m.alreadyThere(r.tape, r.location));
        else io.out(`${io.style.green('✓')} ${m.moved(r.tape, r.location)}${r.pending ? `; ${MESSAGES.labels.pending}` : ''}`);
        return ok;
      }),
    );
};
