import type { Command } from 'commander';
import * as E from 'fp-ts/Either';
import { rebuildCatalog, verifyCatalog } from '../../application/rebuild-catalog';
import { ok, printJson, withApp, type RunState } from '../action';
import type { GlobalOptions } from '../bootstrap';
import { EXIT } from '../exit-codes';
import type { Io } from '../io';
import { formatDuration } from '../ui/format';

export const registerCatalog = (program: Command, io: Io, state: RunState, globals: () => GlobalOptions): void => {
  const catalog = program.command('catalog').description('the local catalog: rebuild it by replay, check it against a replay');

  catalog
    .command('rebuild')
    .description('drop every projection and replay the event store')
    .option('--json', 'print the result as JSON')
    .action((options: { json?: boolean }) =>
      withApp(io, state, globals(), async ({ app, runner }) => {
        const result = await rebuildCatalog(runner, app.store, () => performance.now());
        if (options.json === true) printJson(io, { events: result.events, durationMs: Math.round(result.ms) });
        else io.out(`${io.style.green('✓')} Catalog rebuilt from ${result.events} event(s) in ${formatDuration(result.ms)}.`);
        return ok;
      }),
    );

  catalog
    .command('check')
    .description('exit 0 only if the live projections equal a fresh replay of the event store')
    .option('--json', 'print the result as JSON')
    .action((options: { json?: boolean }) =>
      withApp(io, state, globals(), async ({ app }) => {
        const check = await verifyCatalog(app);
        const consistent = check.differences.length === 0;
        if (options.json === true) printJson(io, { consistent, ...check });
        else if (consistent) {
          const rows = check.tables.map((t) => `${t.table} ${t.rows}`).join(', ');
          io.out(`${io.style.green('✓')} Catalog consistent with a replay of ${check.events} event(s) (${rows}).`);
        } else {
          for (const d of check.differences) {
            io.err(`${io.errStyle.red('✗')} ${d.table}: ${d.liveRows} live row(s), ${d.replayedRows} replayed; first difference:`);
            io.err(`    live:     ${d.firstLive ?? '(none)'}`);
            io.err(`    replayed: ${d.firstReplayed ?? '(none)'}`);
          }
          io.err('Run `lto catalog rebuild` to replace the projections with the replay.');
        }
        return E.right(consistent ? EXIT.OK : EXIT.FAILED);
      }),
    );
};
