import * as fs from 'node:fs';
import type { Command } from 'commander';
import * as E from 'fp-ts/Either';
import { addTape } from '../../application/add-tape';
import type { App } from '../../application/app';
import { rebuildCatalog, verifyCatalog } from '../../application/catalog';
import { tapeHistory } from '../../application/inspect-tape';
import { defaultTapeFolder } from '../../infrastructure/data-dir';
import { withApp, type RunState } from '../action';
import type { GlobalOptions } from '../bootstrap';
import { EXIT } from '../exit-codes';
import type { Io } from '../io';
import { eventSummary } from '../ui/event-summary';
import { formatDuration } from '../ui/format';

/** The first DEMOnn tape id that is neither in the catalog nor on disk, so the demo can run again. */
const freeDemoTape = (app: App): string => {
  for (let n = 1; n < 100; n++) {
    const id = `DEMO${String(n).padStart(2, '0')}L8`;
    if (app.catalog.tape(id) === undefined && !fs.existsSync(defaultTapeFolder(app.dataDir, id))) return id;
  }
  return 'DEMOZZL8';
};

export const registerDemo = (program: Command, io: Io, state: RunState, globals: () => GlobalOptions): void => {
  program
    .command('demo')
    .description('try it out: the main job on a folder-backed tape in the data folder, step by step')
    .action(() =>
      withApp(io, state, globals(), async ({ app, runner }) => {
        const s = io.style;
        const step = (n: number, text: string) => io.out(`\n${s.bold(s.cyan(`Step ${n}/4`))}  ${text}`);
        const id = freeDemoTape(app);

        step(1, `Add tape ${id}: no drive needed, a folder stands in for the cartridge`);
        const added = addTape(app, { barcode: id, mount: undefined, description: 'lto-archive demo tape', generation: undefined });
        if (E.isLeft(added)) return added;
        io.out(`  ${s.green('✓')} initialised at ${added.right.mount}`);
        io.out(`    ${s.dim(`equivalent: lto tape add ${id} --mount ${added.right.mount}`)}`);

        step(2, `Its history: every event, on the tape's journal and in the local store`);
        const history = tapeHistory(app, added.right.tape, undefined);
        if (E.isLeft(history)) return history;
        for (const e of history.right) {
          io.out(`  ${String(e.seq ?? '-').padStart(3)}  ${s.cyan(e.event.type.padEnd(16))} ${eventSummary(e.event.type, e.event.schema, e.event.data)}`);
        }

        step(3, 'Rebuild the catalog: drop every projection and replay the events');
        const rebuilt = await rebuildCatalog(runner, app.store, () => performance.now());
        io.out(`  ${s.green('✓')} ${rebuilt.events} event(s) replayed in ${formatDuration(rebuilt.ms)}`);

        step(4, 'Check the catalog: live projections against a fresh replay');
        const check = await verifyCatalog(app.db, app.store);
        if (check.differences.length > 0) {
          io.err(`  ${s.red('✗')} the catalog differs from a replay in ${check.differences.map((d) => d.table).join(', ')}`);
          return E.right(EXIT.FAILED);
        }
        io.out(`  ${s.green('✓')} consistent (${check.tables.map((t) => `${t.table} ${t.rows}`).join(', ')})`);
        io.out(`\nDone. Try: ${s.bold('lto tape list')}, ${s.bold(`lto tape show ${id}`)}, ${s.bold('lto jobs')}`);
        return E.right(EXIT.OK);
      }),
    );
};
