import type { Command } from 'commander';
import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
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
  type: e.event.type,
  at: e.event.at,
  data: e.event.data,
  id: e.event.id,
  stream: e.event.stream,
  version: e.event.version,
  schema: e.event.schema,
  state: e.state,
});

export const registerTapeHistory = (tape: Command, io: Io, state: RunState, globals: () => GlobalOptions): void => {
  tape
    .command('history')
    .description("every event of a tape, oldest first: the audit trail (journal seq, or pending / local)")
    .argument('<tape>', 'tape id (barcode)')
    .option('--mount <path>', 'where the tape is mounted')
    .option('--json', 'print as JSON')
    .action((id: string, options: { mount?: string; json?: boolean }) =>
      withApp(io, state, globals(), ({ app }) => {
        const entries = pipe(
          tapeIdFromInput(id),
          E.chain((tapeId) => tapeHistory(app, tapeId, options.mount)),
        );
        if (E.isLeft(entries)) return entries;
        if (options.json === true) printJson(io, entries.right.map(entryJson));
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
