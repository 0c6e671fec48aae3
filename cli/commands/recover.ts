import type { Command } from 'commander';
import * as E from 'fp-ts/Either';
import { recoverTapes, type RecoverReport } from '../../application/recover';
import { describeUnknownFeatures } from '../../domain/format-features';
import { printJson, withApp, type RunState } from '../action';
import type { GlobalOptions } from '../bootstrap';
import { EXIT } from '../exit-codes';
import type { Io } from '../io';
import { withKeyOptions } from '../key-options';
import { cliSecrets } from '../secrets';
import { formatBytes, shortId } from '../ui/format';
import { collect } from '../ui/parse';
import { renderTable } from '../ui/table';

interface Options {
  readonly mount: string[];
  readonly salvage?: boolean;
  readonly key?: string;
  readonly passphraseFile?: string;
  readonly json?: boolean;
}

export const registerRecover = (program: Command, io: Io, state: RunState, globals: () => GlobalOptions): void => {
  const command = program
    .command('recover')
    .description('disaster recovery: rebuild the catalog from tapes alone (their volume.json and journal), merging several tapes')
    .option('--mount <path>', 'where a tape is mounted (repeatable: several tapes into one catalog)', collect, [])
    .option('--salvage', 'skip damaged journal records (reported) and find lost file entries again in the segments\' own headers')
    .option('--json', 'print the report as JSON');
  withKeyOptions(command).action((options: Options) =>
    withApp(io, state, globals(), async ({ app, runner }) => {
      if (options.mount.length === 0) return E.left({ _tag: 'InvalidOption', option: '--mount', value: '', expected: 'at least one mount point' });
      const report = await runner.withIndexesDeferred(() =>
        recoverTapes(app, { mounts: options.mount, salvage: options.salvage === true, secrets: cliSecrets(io, options) }),
      );
      if (E.isLeft(report)) return report;
      if (options.json === true) printJson(io, recoverJson(report.right));
      else printReport(io, report.right);
      return E.right(report.right.complete ? EXIT.OK : EXIT.DAMAGED);
    }),
  );
};

/** The `recover --json` shape (docs/JSON.md). */
export const recoverJson = (r: RecoverReport) => ({
  complete: r.complete,
  tapes: r.tapes.map((t) => ({
    tape: t.tape,
    mount: t.mount,
    volumeUuid: t.volumeUuid,
    encrypted: t.encrypted,
    records: t.records,
    imported: t.imported,
    skipped: t.skipped,
    tornTail: t.tornTail,
    salvagedEntries: t.salvagedEntries,
    lost: t.lost,
    jobs: t.jobs,
    files: t.files,
    bytes: t.bytes,
    unfinishedJobs: t.unfinishedJobs,
    unsupportedJobs: t.unsupportedJobs,
    spans: t.spans.map((s) => ({ part: s.part, job: s.job, span: { job: s.span.id, parts: s.span.parts } })),
  })),
});

const printReport = (io: Io, r: RecoverReport): void => {
  const s = io.style;
  io.out(
    renderTable(
      r.tapes,
      [
        { header: 'TAPE', value: (t) => t.tape },
        { header: 'RECORDS', value: (t) => String(t.records), align: 'right' },
        { header: 'NEW EVENTS', value: (t) => String(t.imported), align: 'right' },
        { header: 'JOBS', value: (t) => String(t.jobs), align: 'right' },
        { header: 'FILES', value: (t) => String(t.files), align: 'right' },
        { header: 'SIZE', value: (t) => formatBytes(t.bytes), align: 'right' },
        { header: 'ENC', value: (t) => (t.encrypted ? 'yes' : '') },
        { header: 'SKIPPED', value: (t) => (t.skipped.length === 0 ? '' : s.red(String(t.skipped.length))), align: 'right' },
        { header: 'SALVAGED', value: (t) => (t.salvagedEntries === 0 ? '' : String(t.salvagedEntries)), align: 'right' },
      ],
      s,
    ),
  );
  for (const t of r.tapes) {
    for (const k of t.skipped) io.err(`${io.errStyle.red('skipped')} ${t.tape} journal record ${k.record} (line ${k.line}): ${k.kind}: ${k.detail}`);
    if (t.tornTail !== null) io.err(`${io.errStyle.yellow('torn tail')} ${t.tape}: the last record (line ${t.tornTail.line}) was cut short by a crash and is left out`);
    for (const l of t.lost) io.err(`${io.errStyle.red('lost')} ${l}`);
    for (const j of t.unfinishedJobs) io.err(`${io.errStyle.yellow('unfinished')} ${t.tape} job ${j} has no end on the tape: its closed segments are catalogued`);
    for (const u of t.unsupportedJobs) {
      io.err(`${io.errStyle.yellow('newer format')} ${t.tape} job ${u.job} needs ${describeUnknownFeatures(u.features)}: it is catalogued and listed, but restore and verify refuse it`);
    }
    for (const sp of t.spans) {
      const others = sp.span.parts.filter((p) => p.part !== sp.part);
      if (others.length === 0) continue;
      const listed = others.map((p) => `part ${p.part} on ${p.tape}${p.recorded ? '' : ' (not read yet: recover it too)'}`).join(', ');
      io.out(`${t.tape} holds part ${sp.part} of job ${shortId(sp.span.id)} (which spans tapes); ${listed}`);
    }
    if (t.encrypted) io.err(`${t.tape} is encrypted: its names stay locked until an unlock (--key, --passphrase-file or LTO_PASSPHRASE on the commands that read them)`);
  }
  io.out(r.complete ? `${s.green('✓')} recovered: nothing was lost` : `${s.red('!')} recovered what could be; see what was skipped or lost above`);
};
