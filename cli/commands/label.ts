import type { Command } from 'commander';
import * as E from 'fp-ts/Either';
import { changeTapeLabel, createLabel, deleteLabel, listLabels, type LabelChange } from '../../application/tags';
import { ok, printJson, withApp, type ActionResult, type RunState } from '../action';
import type { GlobalOptions } from '../bootstrap';
import type { Io } from '../io';
import { formatLocalTime } from '../ui/format';
import { MESSAGES } from '../ui/messages';
import { renderTable } from '../ui/table';

type Done = (change: LabelChange) => string;

const report = async (io: Io, json: boolean | undefined, pending: Promise<E.Either<import('../../application/errors').AppError, LabelChange>>, done: Done, tape?: string): Promise<ActionResult> => {
  const result = await pending;
  if (E.isLeft(result)) return result;
  if (json === true) printJson(io, tape === undefined ? { ...result.right } : { ...result.right, tape });
  else io.out(done(result.right));
  return ok;
};

/** `lto label create|delete|list|assign|unassign`: tags with a colour, recorded as events. */
export const registerLabel = (program: Command, io: Io, state: RunState, globals: () => GlobalOptions): void => {
  const label = program.command('label').description('labels (tags with a colour) for tapes: create, delete, list, assign, unassign');
  const m = MESSAGES.labels;
  const s = io.style;

  label
    .command('create')
    .description('define a label')
    .argument('<name>', 'label name: letters, digits, ".", "_", "-"')
    .option('--color <hex>', 'its colour, #rrggbb (default #808080)')
    .option('--json', 'print the result as JSON')
    .action((name: string, options: { color?: string; json?: boolean }) =>
      withApp(io, state, globals(), async ({ app }) =>
        report(io, options.json, createLabel(app, name, options.color), (c) => (c.changed ? `${s.green('✓')} ${m.created(c.label)}` : m.alreadyExists(c.label))),
      ),
    );

  label
    .command('delete')
    .description('remove a label definition (refused while a tape carries it)')
    .argument('<name>', 'label name')
    .option('--json', 'print the result as JSON')
    .action((name: string, options: { json?: boolean }) =>
      withApp(io, state, globals(), async ({ app }) => report(io, options.json, deleteLabel(app, name), (c) => `${s.green('✓')} ${m.deleted(c.label)}`)),
    );

  label
    .command('list')
    .description('list the labels, with their colour and how many tapes carry each')
    .option('--json', 'print as JSON')
    .action((options: { json?: boolean }) =>
      withApp(io, state, globals(), async ({ app }) => {
        const labels = await listLabels(app);
        if (options.json === true) printJson(io, { labels: labels.map((l) => ({ label: l.name, color: l.color, createdAt: l.createdAt, tapes: l.tapes })) });
        else if (labels.length === 0) io.out(m.none);
        else {
          io.out(
            renderTable(
              labels,
              [
                { header: 'LABEL', value: (l) => (s.enabled ? `${s.rgb(l.color, '●')} ${s.bold(l.name)}` : l.name) },
                { header: 'COLOUR', value: (l) => l.color },
                { header: 'TAPES', value: (l) => String(l.tapes), align: 'right' },
                { header: 'CREATED', value: (l) => formatLocalTime(l.createdAt) },
              ],
              s,
            ),
          );
        }
        return ok;
      }),
    );

  for (const action of ['assign', 'unassign'] as const) {
    label
      .command(action)
      .description(action === 'assign' ? 'put a label on a tape (written to its journal now, or when next mounted writable)' : 'take a label off a tape')
      .argument('<tape>', 'tape id (barcode)')
      .argument('<name>', 'label name')
      .option('--mount <path>', 'where the tape is mounted')
      .option('--json', 'print the result as JSON')
      .action((tape: string, name: string, options: { mount?: string; json?: boolean }) =>
        withApp(io, state, globals(), async ({ app }) =>
          report(io, options.json, changeTapeLabel(app, action, tape, name, options.mount), (c) => {
            const what = action === 'assign' ? m.assigned(c.label, tape.toUpperCase()) : m.unassigned(c.label, tape.toUpperCase());
            if (!c.changed) return action === 'assign' ? m.alreadyAssigned(c.label) : m.notAssigned(c.label);
            return c.pending ? `${s.yellow('!')} ${what}; ${m.pending}` : `${s.green('✓')} ${what}`;
          }, tape.trim().toUpperCase()),
        ),
      );
  }
};
