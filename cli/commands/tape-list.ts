import type { Command } from 'commander';
import { type TapeLabelView } from '../../projections/ports/label-queries';
import type { TapeView } from '../../projections/ports/tape-queries';
import type { App } from '../../application/app';
import { copyFlags, type JobCopyFlag } from '../../application/copy-flags';
import { copyFlagJson, copyFlagText } from '../ui/report-view';
import { DEFAULT_LOCATION } from '../../domain/set/set-name';
import { ok, printJson, withApp, type RunState } from '../action';
import type { GlobalOptions } from '../bootstrap';
import type { Io } from '../io';
import { formatBytes, formatPercent } from '../ui/format';
import { renderLabels } from '../ui/tag-chips';
import { renderTable } from '../ui/table';

/** A tape's set (null: none), where it is (`library` until moved), and its jobs its set's copy policy finds short. */
export interface TapePlace {
  readonly set: string | null;
  readonly location: string;
  readonly copyFlags: readonly JobCopyFlag[];
}

export const placeOf = async (app: App, tape: string): Promise<TapePlace> => ({
  set: (await app.catalog.sets.members()).get(tape)?.set ?? null,
  location: await app.catalog.sets.location(tape),
  copyFlags: (await copyFlags(app)).get(tape) ?? [],
});

/** The `tape list --json` shape: scripts rely on these names. `labels`: label names, sorted. */
export const tapeJson = (t: TapeView, labels: readonly TapeLabelView[], place: TapePlace) => ({
  tape: t.id,
  generation: t.generation,
  capacityBytes: t.capacityBytes,
  usedBytes: t.usedBytes,
  description: t.description,
  encrypted: t.encrypted,
  state: t.state,
  labels: labels.map((l) => l.name),
  set: place.set,
  location: place.location,
  copyFlags: place.copyFlags.map(copyFlagJson),
});

export const registerTapeList = (tape: Command, io: Io, state: RunState, globals: () => GlobalOptions): void => {
  tape
    .command('list')
    .description('list the tapes in the catalog')
    .option('--label <name>', 'only the tapes that carry this label')
    .option('--set <name>', 'only the tapes of this tape set')
    .option('--json', 'print as JSON')
    .action((options: { json?: boolean; label?: string; set?: string }) =>
      withApp(io, state, globals(), async ({ app }) => {
        const labels = await app.catalog.labels.byTape();
        const labelsOf = (t: TapeView) => labels.get(t.id) ?? [];
        const members = await app.catalog.sets.members();
        const locations = await app.catalog.sets.locations();
        const flags = await copyFlags(app);
        const placeIn = (t: TapeView): TapePlace => ({ set: members.get(t.id)?.set ?? null, location: locations.get(t.id) ?? DEFAULT_LOCATION, copyFlags: flags.get(t.id) ?? [] });
        const filter = options.label?.trim();
        const setFilter = options.set?.trim();
        const tapes = (await app.catalog.tapes())
          .filter((t) => filter === undefined || labelsOf(t).some((l) => l.name === filter))
          .filter((t) => setFilter === undefined || placeIn(t).set === setFilter);
        if (options.json === true) printJson(io, { tapes: tapes.map((t) => tapeJson(t, labelsOf(t), placeIn(t))) });
        else if (tapes.length === 0) io.out(emptyList(filter, setFilter));
        else {
          io.out(renderTable(tapes, TAPE_COLUMNS(io, labelsOf, placeIn), io.style));
          for (const flag of tapes.flatMap((t) => placeIn(t).copyFlags)) io.out(io.style.yellow(`! ${copyFlagText(flag)}`));
        }
        return ok;
      }),
    );
};

/** How many of the tape's jobs are short of copies (details below the table); `-` when none. */
const copiesColumn = (flags: readonly JobCopyFlag[], io: Io): string => {
  const few = flags.filter((f) => f.problem === 'TOO_FEW_COPIES').length;
  const one = flags.length - few;
  const parts = [...(few > 0 ? [`${few} job(s) short`] : []), ...(one > 0 ? [`${one} in one place`] : [])];
  return parts.length === 0 ? io.style.dim('-') : io.style.yellow(parts.join(', '));
};

const emptyList = (label: string | undefined, set: string | undefined): string =>
  set !== undefined ? `No tape is in set ${set}.` : label !== undefined ? `No tape carries label ${label}.` : 'No tapes yet: add one with `lto tape add <barcode>`.';

const TAPE_COLUMNS = (io: Io, labelsOf: (t: TapeView) => readonly TapeLabelView[], placeIn: (t: TapeView) => TapePlace) =>
  [
    { header: 'TAPE', value: (t: TapeView) => io.style.bold(t.id) },
    { header: 'GEN', value: (t: TapeView) => t.generation },
    { header: 'USED', value: (t: TapeView) => formatBytes(t.usedBytes), align: 'right' as const },
    { header: 'CAPACITY', value: (t: TapeView) => formatBytes(t.capacityBytes), align: 'right' as const },
    { header: 'USE', value: (t: TapeView) => formatPercent(t.usedBytes, t.capacityBytes), align: 'right' as const },
    { header: 'ENC', value: (t: TapeView) => (t.encrypted ? io.style.yellow('yes') : 'no') },
    { header: 'STATE', value: (t: TapeView) => (t.state === 'ACTIVE' ? io.style.dim('active') : io.style.yellow(t.state.toLowerCase())) },
    { header: 'SET', value: (t: TapeView) => placeIn(t).set ?? io.style.dim('-') },
    { header: 'LOCATION', value: (t: TapeView) => placeIn(t).location },
    { header: 'COPIES', value: (t: TapeView) => copiesColumn(placeIn(t).copyFlags, io) },
    { header: 'LABELS', value: (t: TapeView) => renderLabels(labelsOf(t), io.style) },
    { header: 'DESCRIPTION', value: (t: TapeView) => t.description },
  ] as const;
