import * as fs from 'node:fs';
import type { Command } from 'commander';
import * as E from 'fp-ts/Either';
import { healthReport, type TapeHealth } from '../../application/report';
import type { Health } from '../../domain/health';
import { printJson, withApp, type RunState } from '../action';
import { EXIT, REPORT_CRITICAL, type ExitCode } from '../exit-codes';
import type { GlobalOptions } from '../bootstrap';
import type { Io } from '../io';
import { formatBytes, formatLocalTime } from '../ui/format';
import { renderHtmlReport } from '../ui/html-report';
import { renderLabels } from '../ui/tag-chips';
import { MESSAGES } from '../ui/messages';
import { copyFlagText, reportJson, unreadableText } from '../ui/report-view';
import type { Style } from '../ui/style';
import { renderTable } from '../ui/table';

const FAIL_ON = ['warning', 'critical', 'never'] as const;
type FailOn = (typeof FAIL_ON)[number];
const isFailOn = (value: string): value is FailOn => FAIL_ON.some((f) => f === value);

/**
 * The report's own exit codes, for monitoring (Nagios style): 0 every tape good, 1 a
 * warning, 2 a critical tape; `--fail-on critical` lets warnings pass, `never` always 0.
 */
const reportExit = (summary: { readonly warning: number; readonly critical: number }, failOn: FailOn): ExitCode => {
  if (failOn === 'never') return EXIT.OK;
  if (summary.critical > 0) return REPORT_CRITICAL;
  return summary.warning > 0 && failOn === 'warning' ? EXIT.FAILED : EXIT.OK;
};

const healthText = (h: Health, s: Style): string => (h === 'good' ? s.green('good') : h === 'warning' ? s.yellow('warning') : s.red(s.bold('critical')));

/** `███████░░░ 72%`: a usage bar for the terminal (the percentage alone when piped). */
const usageBar = (usage: number, s: Style): string => {
  const text = `${(100 * usage).toFixed(1)}%`;
  if (!s.enabled) return text;
  const filled = Math.round(Math.min(1, usage) * 10);
  const colour = usage > 0.95 ? s.red : usage > 0.8 ? s.yellow : s.green;
  return `${colour('█'.repeat(filled))}${s.dim('░'.repeat(10 - filled))} ${text}`;
};

export const registerReport = (program: Command, io: Io, state: RunState, globals: () => GlobalOptions): void => {
  program
    .command('report')
    .description('health of every tape: usage, last verify, backup success rate, days since the last backup; good / warning / critical')
    .option('--html <file>', 'also write a self-contained HTML page')
    .option('--fail-on <level>', 'exit non-zero from this level on: warning (default: 1 for warning, 2 for critical), critical (2 only for critical), never (always 0)')
    .option('--json', 'print as JSON')
    .action((options: { html?: string; json?: boolean; failOn?: string }) =>
      withApp(io, state, globals(), async ({ app }) => {
        const failOn = options.failOn ?? 'warning';
        if (!isFailOn(failOn)) return E.left({ _tag: 'InvalidOption', option: '--fail-on', value: failOn, expected: 'warning, critical or never' });
        const report = await healthReport(app);
        if (options.html !== undefined) {
          try {
            fs.writeFileSync(options.html, renderHtmlReport(report));
          } catch (error) {
            return E.left({ _tag: 'InvalidOption', option: '--html', value: options.html, expected: `a file that can be written (${error instanceof Error ? error.message : String(error)})` });
          }
        }
        const s = io.style;
        if (options.json === true) printJson(io, reportJson(report));
        else if (report.tapes.length === 0) io.out(MESSAGES.report.none);
        else {
          const m = report.summary;
          io.out(
            `${s.bold(`${m.tapes} tape(s)`)}: ${s.green(`${m.good} good`)}, ${s.yellow(`${m.warning} warning`)}, ${s.red(`${m.critical} critical`)}; ${formatBytes(m.usedBytes)} used of ${formatBytes(m.capacityBytes)}\n`,
          );
          io.out(
            renderTable(
              report.tapes,
              [
                { header: 'TAPE', value: (t: TapeHealth) => s.bold(t.tape.id) },
                { header: 'HEALTH', value: (t) => healthText(t.score.health, s) },
                { header: 'USAGE', value: (t) => usageBar(t.score.usage, s), align: 'right' },
                { header: 'FILES', value: (t) => `${t.content.files} (${formatBytes(t.content.bytes)})`, align: 'right' },
                { header: 'LAST VERIFY', value: (t) => (t.lastVerify === null ? s.dim(MESSAGES.report.neverVerified) : `${t.lastVerify.status.toLowerCase()}, ${t.score.lastVerifyAgeDays ?? 0} d ago`) },
                { header: 'BACKUPS OK', value: (t) => (t.backups.finished === 0 ? s.dim('-') : `${t.backups.succeeded}/${t.backups.finished}${t.backups.partial > 0 ? ` (${t.backups.partial} partial)` : ''}`), align: 'right' },
                { header: 'LAST BACKUP', value: (t) => (t.lastBackupAt === null ? s.dim(MESSAGES.report.noBackup) : `${formatLocalTime(t.lastBackupAt)} (${t.score.daysSinceLastBackup ?? 0} d)`) },
                { header: 'SET', value: (t) => t.set ?? s.dim('-') },
                { header: 'LOCATION', value: (t) => t.location },
                { header: 'LABELS', value: (t) => renderLabels(t.labels, s) },
                { header: 'NOTES', value: (t) => [...(t.tape.state === 'ACTIVE' ? [] : [s.bold(t.tape.state.toLowerCase())]), ...t.score.reasons.map((r) => (r.level === 'critical' ? s.red(r.text) : s.yellow(r.text)))].join('; ') },
              ],
              s,
            ),
          );
          for (const set of report.sets.filter((x) => x.onePlace)) io.out(s.yellow(MESSAGES.report.setInOnePlace(set.set, set.tapes, set.locations[0] ?? '')));
          for (const flag of report.tapes.flatMap((t) => t.copyFlags)) io.out(s.yellow(`! ${copyFlagText(flag)}`));
          for (const tape of report.unreadable) io.out(s.yellow(`! ${unreadableText(tape)}`));
        }
        if (options.html !== undefined) io.err(MESSAGES.report.written(options.html));
        return E.right(reportExit(report.summary, failOn));
      }),
    );
};
