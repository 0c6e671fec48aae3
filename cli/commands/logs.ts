import * as fs from 'node:fs';
import type { Command } from 'commander';
import * as E from 'fp-ts/Either';
import { auditLog, type AuditRow } from '../../application/audit';
import { ok, withApp, type RunState } from '../action';
import { nameDecodersFor, withKeyOptions } from '../key-options';
import type { GlobalOptions } from '../bootstrap';
import type { Io } from '../io';
import { printJsonLine } from '../json';
import { eventSummary } from '../ui/event-summary';
import { formatLocalTime } from '../ui/format';
import { MESSAGES } from '../ui/messages';

/** One audit record: the `logs export --json` line shape (and the CSV columns, in this order). */
export const auditRecord = (r: AuditRow) => ({
  time: formatLocalTime(r.entry.event.at, true),
  at: r.entry.event.at,
  tape: r.tape,
  job: r.job,
  type: r.entry.event.type,
  summary: eventSummary(r.entry.event.type, r.entry.event.schema, r.entry.event.data, r.showPath),
  seq: r.entry.seq,
  state: r.entry.state,
  event: r.entry.event.id,
});

const COLUMNS = ['time', 'at', 'tape', 'job', 'type', 'summary', 'seq', 'state', 'event'] as const;

/**
 * RFC 4180 field: quoted when it holds a comma, quote or line break; a leading `=`, `+`,
 * `-`, `@` (a spreadsheet formula) is prefixed with `'` so opening the file runs nothing.
 */
export const csvField = (value: string | number | null): string => {
  if (value === null) return '';
  const text = typeof value === 'number' ? String(value) : /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

export const registerLogs = (program: Command, io: Io, state: RunState, globals: () => GlobalOptions): void => {
  const logs = program.command('logs').description('the audit trail of every tape');
  const command = logs
    .command('export')
    .description('every event of every tape (or --tape): time, tape, job, type and a readable summary, as CSV or JSON lines')
    .option('--csv <file>', 'write CSV to this file ("-": standard output)')
    .option('--json', 'print JSON lines (one object per event) to standard output')
    .option('--tape <tape>', 'only this tape');
  withKeyOptions(command)
    .action((options: { csv?: string; json?: boolean; tape?: string; key?: string; passphraseFile?: string }) =>
      withApp(io, state, globals(), async ({ app }) => {
        if ((options.csv === undefined) === (options.json !== true)) {
          return E.left({ _tag: 'InvalidOption', option: '--csv/--json', value: options.csv === undefined ? 'neither' : 'both', expected: MESSAGES.logs.chooseFormat });
        }
        const nameDecoders = await nameDecodersFor(io, app, options, options.tape);
        const rows = await auditLog(app, { tape: options.tape, nameDecoders });
        if (E.isLeft(rows)) return rows;
        const records = rows.right.map(auditRecord);
        if (options.json === true) {
          for (const r of records) {
            // `time` (local, for a spreadsheet) is the CSV's only: JSON times are UTC (`at`).
            const { time: _local, ...line } = r;
            printJsonLine(io.out, line);
          }
          return ok;
        }
        const lines = [COLUMNS.join(','), ...records.map((r) => COLUMNS.map((c) => csvField(r[c])).join(','))];
        const text = `${lines.join('\r\n')}\r\n`;
        if (options.csv === '-') io.out(text.trimEnd());
        else {
          try {
            fs.writeFileSync(options.csv ?? '', text);
          } catch (error) {
            return E.left({ _tag: 'InvalidOption', option: '--csv', value: options.csv ?? '', expected: `a file that can be written (${error instanceof Error ? error.message : String(error)})` });
          }
          io.err(MESSAGES.logs.written(records.length, options.csv ?? ''));
        }
        return ok;
      }),
    );
};
