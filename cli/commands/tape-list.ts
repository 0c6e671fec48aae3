import type { Command } from 'commander';
import { type TapeLabelView } from '../../projections/ports/label-queries';
import type { TapeView } from '../../projections/ports/tape-queries';
import { ok, printJson, withApp, type RunState } from '../action';
import type { GlobalOptions } from '../bootstrap';
import type { Io } from '../io';
import { formatBytes, formatPercent } from '../ui/format';
import { renderLabels } from '../ui/labels';
import { renderTable } from '../ui/table';

/** The `tape list --json` shape: scripts rely on these names. `labels`: label names, sorted. */
export const tapeJson = (t: TapeView, labels: readonly TapeLabelView[] = []) => ({
  tape: t.id,
  generation: t.generation,
  capacityBytes: t.capacityBytes,
  usedBytes: t.usedBytes,
  description: t.description,
  encrypted: t.encrypted,
  state: t.state,
  labels: labels.map((l) => l.name),
});

export const registerTapeList = (tape: Command, io: Io, state: RunState, globals: () => GlobalOptions): void => {
  tape
    .command('list')
    .description('list the tapes in the catalog')
    .option('--label <name>', 'only the tapes that carry this label')
    .option('--json', 'print as JSON')
    .action((options: { json?: boolean; label?: string }) =>
      withApp(io, state, globals(), ({ app }) => {
        const labels = app.catalog.labels.byTape();
        const labelsOf = (t: TapeView) => labels.get(t.id) ?? [];
        const filter = options.label?.trim();
        const tapes = app.catalog.tapes().filter((t) => filter === undefined || labelsOf(t).some((l) => l.name === filter));
        if (options.json === true) printJson(io, { tapes: tapes.map((t) => tapeJson(t, labelsOf(t))) });
        else if (tapes.length === 0) io.out(filter === undefined ? 'No tapes yet: add one with `lto tape add <barcode>`.' : `No tape carries label ${filter}.`);
        else io.out(renderTable(tapes, TAPE_COLUMNS(io, labelsOf), io.style));
        return ok;
      }),
    );
};

const TAPE_COLUMNS = (io: Io, labelsOf: (t: TapeView) => readonly TapeLabelView[]) =>
  [
    { header: 'TAPE', value: (t: TapeView) => io.style.bold(t.id) },
    { header: 'GEN', value: (t: TapeView) => t.generation },
    { header: 'USED', value: (t: TapeView) => formatBytes(t.usedBytes), align: 'right' as const },
    { header: 'CAPACITY', value: (t: TapeView) => formatBytes(t.capacityBytes), align: 'right' as const },
    { header: 'USE', value: (t: TapeView) => formatPercent(t.usedBytes, t.capacityBytes), align: 'right' as const },
    { header: 'ENC', value: (t: TapeView) => (t.encrypted ? io.style.yellow('yes') : 'no') },
    { header: 'LABELS', value: (t: TapeView) => renderLabels(labelsOf(t), io.style) },
    { header: 'DESCRIPTION', value: (t: TapeView) => t.description },
  ] as const;
