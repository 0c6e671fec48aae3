import type { Command } from 'commander';
import * as E from 'fp-ts/Either';
import { tapeHistory } from '../../application/inspect-tape';
import { tapeIdFromInput } from '../../application/tape-id-input';
import type { TapeEventEntry } from '../../infrastructure/event-store/event-store';
import { ok, printJson, withApp, type RunState } from '../action';
import type { GlobalOptions } from '../bootstrap';
import type { Io } from '../io';
import { eventSummary } from '../ui/event-summary';
import { formatLocalTime } from '../ui/format';
import { renderTable } from '../ui/table';

/** The `tape history --json` shape: one object per event, oldest first. */
const entryJson = (e: TapeEventEntry) => ({
  seq: e.seq,
  event: e.event.id,
  type: e.event.type,
  at: e.event.at,
  stream: e.event.stream,
  version: e.event.version,
  /** The event's own schema (docs/FORMAT.md), not this output's. */
  eventSchema: e.event.schema,
  state: e.state,
  data: e.event.data,
});

export const registerTapeHistory = (tape: Command, io: Io, state: RunState, globals: () => GlobalOptions): void => {
  tape
    .command('history')
    .description("every event of a tape, oldest first: the audit trail (journal seq, or pending / local)")
    .argument('<tape>', 'tape id (barcode)')
    .option('--mount <path>', 'where the tape is mounted')
    .option('--json', 'print as JSON')
    .action((id: string, options: { mount?: string; json?: boolean }) =>
      withApp(io, state, globals(), async ({ app }) => {
        const tapeId = tapeIdFromInput(id);
        if (E.isLeft(tapeId)) return tapeId;
        const entries = await tapeHistory(app, tapeId.right, options.mount);
        if (E.isLeft(entries)) return entries;
        if (options.json === true) printJson(io, { tape: tapeId.right, events: entries.right.map(entryJson) });
        else io.out(renderTable(entries.right, columns(io), io.style));
        return ok;
      }),
    );
};

const columns = (io: Io) =>
  [
    { header: 'SEQ', value: (e: TapeEventEntry) => (e.seq === null ? io.style.yellow(e.state) : String(e.seq)), align: 'right' as const },
    { header: 'TIME', value: (e: TapeEventEntry) => formatLocalTime(e.event.at, true) },
    { header: 'EVENT', value: (e: TapeEventEntry) => io.style.cyan(e.event.type) },
    { header: 'WHAT', value: (e: TapeEventEntry) => eventSummary(e.event.type, e.event.schema, e.event.data) },
  ] as const;
