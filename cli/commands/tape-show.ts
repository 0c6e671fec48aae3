import type { Command } from 'commander';
import * as E from 'fp-ts/Either';
import { showTape, type TapeDetails } from '../../application/inspect-tape';
import { tapeIdFromInput } from '../../application/tape-id-input';
import { GENERATIONS, driveCompatibility } from '../../domain/tape-id';
import { type TapeLabelView } from '../../projections/ports/label-queries';
import { ok, printJson, withApp, type RunState } from '../action';
import type { GlobalOptions } from '../bootstrap';
import type { Io } from '../io';
import type { App } from '../../application/app';
import type { Style } from '../ui/style';
import { describeMount } from '../ui/describe-mount';
import { formatBytes, formatPercent, formatLocalTime, shortId } from '../ui/format';
import { renderLabels } from '../ui/tag-chips';
import { ltfsFields } from '../ui/ltfs-fields';
import { renderFields } from '../ui/table';
import { placeOf, tapeJson, type TapePlace } from './tape-list';

export const registerTapeShow = (tape: Command, io: Io, state: RunState, globals: () => GlobalOptions): void => {
  tape
    .command('show')
    .description('show one tape; if it is mounted, its journal is checked and synced with the catalog')
    .argument('<tape>', 'tape id (barcode)')
    .option('--mount <path>', 'where the tape is mounted')
    .option('--json', 'print as JSON')
    .action((id: string, options: { mount?: string; json?: boolean }) =>
      withApp(io, state, globals(), async ({ app }) => {
        const tapeId = tapeIdFromInput(id);
        if (E.isLeft(tapeId)) return tapeId;
        const details = await showTape(app, tapeId.right, options.mount);
        if (E.isLeft(details)) return details;
        const labels = await app.catalog.labels.ofTape(details.right.tape.id);
        const held = await holdings(app, details.right.tape.id);
        const place = await placeOf(app, details.right.tape.id);
        if (options.json === true) printJson(io, { ...detailsJson(details.right, labels, place), content: held.content, backups: held.backups });
        else printDetails(io, details.right, labels, held, place);
        return ok;
      }),
    );
};

const detailsJson = (d: TapeDetails, labels: readonly TapeLabelView[], place: TapePlace) => ({
  ...tapeJson(d.tape, labels, place),
  format: d.info?.format ?? null,
  volumeUuid: d.info?.volumeUuid ?? null,
  initialisedAt: d.info?.initialisedAt ?? null,
  initialisedByJob: d.info?.initialisedByJob ?? null,
  jobs: d.info?.jobsTotal ?? 0,
  lastJobAt: d.info?.lastJobAt ?? null,
  pendingEvents: d.pendingEvents,
  mount: d.mount === null ? null : { path: d.mount.path, via: d.mount.via, ...d.mount.report },
  ltfs: d.ltfs ?? null,
  drives: driveCompatibility(d.tape.generation),
});

/**
 * What the tape holds (archived file versions), and its backups, an interrupted one with
 * what its closed segments kept: it is partial, not lost.
 */
const holdings = async (app: App, tape: string) => {
  const backups = (await app.catalog.jobs({ tape })).filter((j) => j.type === 'BACKUP');
  const interrupted = backups.filter((j) => j.status === 'INTERRUPTED');
  return {
    content: (await app.catalog.storedFiles()).get(tape) ?? { files: 0, bytes: 0 },
    backups: {
      finished: backups.filter((j) => j.status !== 'RUNNING').length,
      succeeded: backups.filter((j) => j.status === 'SUCCESS').length,
      interrupted: interrupted.map((j) => ({ job: j.id, files: j.files, bytes: j.bytesRead })),
    },
  };
};
type Holdings = Awaited<ReturnType<typeof holdings>>;

const backupsLine = (h: Holdings, s: Style): string => {
  const b = h.backups;
  const kept = b.interrupted.map((j) => `job ${shortId(j.job)} interrupted, ${j.files} file(s) (${formatBytes(j.bytes)}) kept in its closed segments`);
  return `${b.finished} (${b.succeeded} succeeded)${kept.length === 0 ? '' : `; ${s.yellow(kept.join('; '))}`}`;
};

const printDetails = (io: Io, d: TapeDetails, labels: readonly TapeLabelView[], held: Holdings, place: TapePlace): void => {
  const s = io.style;
  const t = d.tape;
  const fields: [string, string][] = [
    ['tape', s.bold(t.id)],
    ['generation', `${GENERATIONS[t.generation].name} (${t.generation})`],
    ['drives', driveCompatibility(t.generation)],
    ['capacity', `${formatBytes(t.capacityBytes)} native`],
    ['used', `${formatBytes(t.usedBytes)} (${formatPercent(t.usedBytes, t.capacityBytes)})`],
    ['description', t.description === '' ? s.dim('-') : t.description],
    ['encrypted', t.encrypted ? s.yellow('yes') : 'no'],
    ['labels', labels.length === 0 ? s.dim('-') : renderLabels(labels, s)],
    ['set', place.set ?? s.dim('-')],
    ['location', place.location],
    ['state', t.state],
  ];
  if (d.info !== undefined) {
    fields.push(
      ['format', d.info.format],
      ['volume', d.info.volumeUuid],
      ['initialised', `${formatLocalTime(d.info.initialisedAt)} by job ${shortId(d.info.initialisedByJob)}`],
      ['jobs', `${d.info.jobsTotal}${d.info.lastJobAt === null ? '' : `, last ${formatLocalTime(d.info.lastJobAt)}`}`],
      ['backups', backupsLine(held, s)],
      ['holds', `${held.content.files} file version(s), ${formatBytes(held.content.bytes)}`],
    );
  }
  fields.push(['mounted', d.mount === null ? s.dim('no') : describeMount(d.mount.path, d.mount.via, s)]);
  if (d.ltfs !== undefined) fields.push(...ltfsFields(d.ltfs, s));
  if (d.pendingEvents > 0) fields.push(['pending', s.yellow(`${d.pendingEvents} event(s) wait to be written to the tape`)]);
  if (d.mount?.report.tornTail !== undefined) {
    fields.push(['journal', s.yellow(`torn last record ${d.mount.report.tornTail.record} ignored (a crash mid-append)`)]);
  }
  io.out(renderFields(fields, s));
};
