import type { Command } from 'commander';
import * as E from 'fp-ts/Either';
import { addTapeToSet, createSet, listSets, showSet, type SetDetails } from '../../application/sets';
import { ok, printJson, withApp, type RunState } from '../action';
import type { GlobalOptions } from '../bootstrap';
import type { Io } from '../io';
import { formatLocalTime } from '../ui/format';
import { MESSAGES } from '../ui/messages';
import { renderTable } from '../ui/table';

/** The `set show --json` shape (and each item of `set list --json`): scripts rely on these names. */
export const setJson = (d: SetDetails) => ({
  set: d.name,
  copies: d.copies,
  description: d.description,
  createdAt: d.createdAt,
  tapes: d.tapes.map((t) => ({ tape: t.tape, location: t.location, joinedAt: t.joinedAt })),
  onePlace: d.onePlace,
});

/** `lto set create|add|show|list`: tape sets, an aggregate of their own (docs/FORMAT.md, Tape sets). */
export const registerSet = (program: Command, io: Io, state: RunState, globals: () => GlobalOptions): void => {
  const set = program.command('set').description('tape sets (the tapes one archive grows across, with a copy policy): create, add, show, list');
  const m = MESSAGES.sets;
  const s = io.style;

  set
    .command('create')
    .description('define a tape set and how many copies of every job it asks for')
    .argument('<name>', 'set name: letters, digits, ".", "_", "-"')
    .option('--copies <n>', 'copies of every job the set asks for (default 1)')
    .option('--description <text>', 'what the set holds')
    .option('--json', 'print the result as JSON')
    .action((name: string, options: { copies?: string; description?: string; json?: boolean }) =>
      withApp(io, state, globals(), async ({ app }) => {
        const created = await createSet(app, name, options.copies, options.description);
        if (E.isLeft(created)) return created;
        const c = created.right;
        if (options.json === true) printJson(io, { set: c.set, copies: c.copies, description: c.description, changed: c.changed });
        else io.out(c.changed ? `${s.green('✓')} ${m.created(c.set, c.copies)}` : m.alreadyExists(c.set));
        return ok;
      }),
    );

  set
    .command('add')
    .description('put a tape in a set (written to its journal now, or when next mounted writable)')
    .argument('<name>', 'set name')
    .argument('<tape>', 'tape id (barcode)')
    .option('--mount <path>', 'where the tape is mounted')
    .option('--json', 'print the result as JSON')
    .action((name: string, tape: string, options: { mount?: string; json?: boolean }) =>
      withApp(io, state, globals(), async ({ app }) => {
        const added = await addTapeToSet(app, name, tape, options.mount);
        if (E.isLeft(added)) return added;
        const a = added.right;
        if (options.json === true) printJson(io, { set: a.set, tape: a.tape, changed: a.changed, pending: a.pending });
        else if (!a.changed) io.out(m.alreadyIn(a.tape, a.set));
        else io.out(a.pending ? `${s.yellow('!')} ${m.added(a.tape, a.set)}; ${MESSAGES.labels.pending}` : `${s.green('✓')} ${m.added(a.tape, a.set)}`);
        return ok;
      }),
    );

  set
    .command('show')
    .description('show a set: its copy policy and its tapes, in order, with where each is')
    .argument('<name>', 'set name')
    .option('--json', 'print as JSON')
    .action((name: string, options: { json?: boolean }) =>
      withApp(io, state, globals(), async ({ app }) => {
        const shown = await showSet(app, name);
        if (E.isLeft(shown)) return shown;
        if (options.json === true) printJson(io, setJson(shown.right));
        else printSet(io, shown.right);
        return ok;
      }),
    );

  set
    .command('list')
    .description('list the tape sets')
    .option('--json', 'print as JSON')
    .action((options: { json?: boolean }) =>
      withApp(io, state, globals(), async ({ app }) => {
        const sets = await listSets(app);
        if (options.json === true) printJson(io, { sets: sets.map(setJson) });
        else if (sets.length === 0) io.out(m.none);
        else {
          io.out(
            renderTable(
              sets,
              [
                { header: 'SET', value: (d) => s.bold(d.name) },
                { header: 'COPIES', value: (d) => String(d.copies), align: 'right' },
                { header: 'TAPES', value: (d) => String(d.tapes.length), align: 'right' },
                { header: 'PLACES', value: (d) => placesOf(d) },
                { header: 'DESCRIPTION', value: (d) => d.description },
              ],
              s,
            ),
          );
        }
        return ok;
      }),
    );
};

const placesOf = (d: SetDetails): string => [...new Set(d.tapes.map((t) => t.location))].join(', ');

const printSet = (io: Io, d: SetDetails): void => {
  const s = io.style;
  const m = MESSAGES.sets;
  io.out(`${s.bold(d.name)}: ${m.copies(d.copies)}${d.description === '' ? '' : ` - ${d.description}`} (created ${formatLocalTime(d.createdAt)})`);
  if (d.tapes.length === 0) io.out(m.empty(d.name));
  else {
    io.out(
      renderTable(
        d.tapes,
        [
          { header: 'TAPE', value: (t) => s.bold(t.tape) },
          { header: 'LOCATION', value: (t) => t.location },
          { header: 'JOINED', value: (t) => formatLocalTime(t.joinedAt) },
        ],
        s,
      ),
    );
  }
  if (d.onePlace) io.out(s.yellow(m.onePlace(d.tapes[0]?.location ?? '')));
};
