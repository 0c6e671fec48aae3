import type { Command } from 'commander';
import * as E from 'fp-ts/Either';
import { rebuildCatalog, verifyCatalog } from '../../application/rebuild-catalog';
import { copyCatalog } from '../../application/copy-catalog';
import { catalogOf, describeCatalog } from '../../infrastructure/catalog-choice';
import type { CatalogCheck } from '../../projections/check';
import { ok, printJson, withApp, type ActionResult, type RunState } from '../action';
import { openCatalog, type GlobalOptions, type OpenedApp } from '../bootstrap';
import { EXIT } from '../exit-codes';
import type { Io } from '../io';
import { formatDuration } from '../ui/format';
import { renderTable } from '../ui/table';

export const registerCatalog = (program: Command, io: Io, state: RunState, globals: () => GlobalOptions): void => {
  const catalog = program.command('catalog').description('the catalog: rebuild it by replay, check it against a replay, copy it to another database');

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

  catalog
    .command('copy')
    .description('copy every event of this catalog into an empty one (a shared PostgreSQL catalog, or a SQLite file), then check it')
    .requiredOption('--to <url|file>', 'the empty target: postgres://user@host/db (password in PGPASSWORD or ~/.pgpass) or a new SQLite file')
    .option('--json', 'print the result as JSON')
    .action((options: { to: string; json?: boolean }) =>
      withApp(io, state, globals(), (opened) => copyTo(io, opened, options.to, options.json === true)),
    );
};

/** Both catalogs' rows per table, as `lto catalog copy` prints them. */
const countsOf = (check: CatalogCheck) => ({ events: check.events, tables: check.tables.map((t) => ({ table: t.table, rows: t.rows })) });
type Counts = ReturnType<typeof countsOf>;

/**
 * The tables both catalogs have, with their rows in each. Each kind may keep a table of
 * its own (SQLite's full-text index of names): those are not compared.
 */
const sideBySide = (source: Counts, target: Counts) => {
  const theirs = new Map(target.tables.map((t) => [t.table, t.rows]));
  return source.tables.flatMap((t) => {
    const rows = theirs.get(t.table);
    return rows === undefined ? [] : [{ table: t.table, source: t.rows, target: rows }];
  });
};

type Row = ReturnType<typeof sideBySide>[number];

const printComparison = (io: Io, rows: readonly Row[], consistent: boolean, check: CatalogCheck): void => {
  const columns = [
    { header: 'TABLE', value: (r: Row) => r.table },
    { header: 'THIS CATALOG', value: (r: Row) => String(r.source), align: 'right' as const },
    { header: 'COPY', value: (r: Row) => String(r.target), align: 'right' as const },
  ];
  io.out(renderTable(rows, columns, io.style));
  if (consistent) io.out(`${io.style.green('✓')} The copy passes \`lto catalog check\` and holds what this catalog holds (${check.events} event(s)).`);
  else io.err(`${io.errStyle.red('✗')} The copy differs (${check.differences.map((d) => d.table).join(', ') || 'row counts'}): see \`lto --catalog TARGET catalog check\`.`);
};

const copyTo = async (io: Io, opened: OpenedApp, to: string, json: boolean): Promise<ActionResult> => {
  const target = catalogOf(to, '--catalog');
  const from = describeCatalog(opened.choice);
  if (target.kind === opened.choice.kind && describeCatalog(target) === from) {
    return E.left({ _tag: 'InvalidOption', option: '--to', value: describeCatalog(target), expected: 'another catalog than the one in use' });
  }
  const composed = await openCatalog(target, opened.app);
  if (E.isLeft(composed)) return composed;
  const copy = composed.right;
  try {
    const copied = await copyCatalog(opened.app.store, copy.app.store, describeCatalog(target));
    if (E.isLeft(copied)) return copied;
    const check = await copy.app.catalog.check();
    const source = countsOf(await opened.app.catalog.check());
    const theCopy = countsOf(check);
    const rows = sideBySide(source, theCopy);
    const consistent = check.differences.length === 0 && source.events === theCopy.events && rows.every((r) => r.source === r.target);
    if (json) {
      printJson(io, { from, to: describeCatalog(target), events: copied.right.events, tapes: copied.right.tapes, consistent, source, target: theCopy, differences: check.differences });
      return E.right(consistent ? EXIT.OK : EXIT.FAILED);
    }
    io.out(`Copied ${copied.right.events} event(s) of ${copied.right.tapes} tape(s) from ${from} to ${describeCatalog(target)}.`);
    printComparison(io, rows, consistent, check);
    return E.right(consistent ? EXIT.OK : EXIT.FAILED);
  } finally {
    await copy.close();
  }
};
