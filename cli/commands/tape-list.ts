import type { Command } from 'commander';
import type { TapeView } from '../../projections/queries';
import { ok, printJson, withApp, type RunState } from '../action';
import type { GlobalOptions } from '../bootstrap';
import type { Io } from '../io';
import { formatBytes, formatPercent } from '../ui/format';
import { renderTable } from '../ui/table';

/** Labels arrive with their own events in a later issue; the field is part of the JSON contract now. */
const NO_LABELS: readonly string[] = [];

/** The `tape list --json` shape: scripts rely on these names. */
export const tapeJson = (t: TapeView) => ({
  id: t.id,
  generation: t.generation,
  capacityBytes: t.capacityBytes,
  usedBytes: t.usedBytes,
  description: t.description,
  encrypted: t.encrypted,
  state: t.state,
  labels: NO_LABELS,
});

export const registerTapeList = (tape: Command, io: Io, state: RunState, globals: () => GlobalOptions): void => {
  tape
    .command('list')
    .description('list the tapes in the catalog')
    .option('--json', 'print as JSON')
    .action((options: { json?: boolean }) =>
      withApp(io, state, globals(), ({ app }) => {
        const tapes = app.catalog.tapes();
        if (options.json === true) printJson(io, tapes.map(tapeJson));
        else if (tapes.length === 0) io.out('No tapes yet: add one with `lto tape add <barcode>`.');
        else io.out(renderTable(tapes, TAPE_COLUMNS(io), io.style));
        return ok;
      }),
    );
};

const TAPE_COLUMNS = (io: Io) =>
  [
    { header: 'TAPE', value: (t: TapeView) => io.style.bold(t.id) },
    { header: 'GEN', value: (t: TapeView) => t.generation },
    { header: 'USED', value: (t: TapeView) => formatBytes(t.usedBytes), align: 'right' as const },
    { header: 'CAPACITY', value: (t: TapeView) => formatBytes(t.capacityBytes), align: 'right' as const },
    { header: 'USE', value: (t: TapeView) => formatPercent(t.usedBytes, t.capacityBytes), align: 'right' as const },
    { header: 'ENC', value: (t: TapeView) => (t.encrypted ? io.style.yellow('yes') : 'no') },
    { header: 'DESCRIPTION', value: (t: TapeView) => t.description },
  ] as const;
