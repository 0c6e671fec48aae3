import { select, Separator } from '@inquirer/prompts';
import * as E from 'fp-ts/Either';
import { listJobs } from '../../application/list-jobs';
import { searchCatalog, type SearchHit } from '../../application/search';
import type { App } from '../../application/app';
import { openApp, type GlobalOptions } from '../bootstrap';
import { EXIT } from '../exit-codes';
import type { Io } from '../io';
import { MESSAGES } from '../ui/messages';
import { formatBytes, formatLocalTime, shortId } from '../ui/format';
import { renderError } from '../errors';
import { readTapeIdFromScan } from '../scan-barcode-prompt';
import {
  absoluteCheck,
  barcodeCheck,
  choose,
  colourCheck,
  copiesCheck,
  labelCheck,
  locationCheck,
  optionalCheck,
  setCheck,
  PATH_CHECKS,
  pathQuestion,
  required,
  text,
  yesNo,
} from './questions';
import { commandLine } from './shell-quote';
import type { Answer } from './text-prompt';

/** Runs one command line of the CLI (the same program, the same use cases). */
export type RunCommand = (args: readonly string[]) => Promise<number>;

type Choice = 'add' | 'backup' | 'restore' | 'browse' | 'verify' | 'labels' | 'sets' | 'copies' | 'search' | 'find' | 'report' | 'serve' | 'recover' | 'logs' | 'tapes' | 'jobs' | 'quit';

const m = MESSAGES.menu;

/** Reads the catalog for a question's choices; empty when it cannot open. */
const fromCatalog = async <T>(io: Io, globals: GlobalOptions, read: (app: App) => Promise<T[]>): Promise<T[]> => {
  const opened = await openApp({ ...io, err: () => undefined }, globals);
  if (E.isLeft(opened)) return [];
  try {
    return await read(opened.right.app);
  } finally {
    await opened.right.close();
  }
};

/** The tapes of the catalog, to choose from. */
const tapeChoices = (io: Io, globals: GlobalOptions) =>
  fromCatalog(io, globals, async (app) => (await app.catalog.tapes()).map((t) => ({ name: `${t.id}${t.description === '' ? '' : ` — ${t.description}`}`, value: t.id })));

/** The latest tree, or the tree as of an older backup of the tape (newest first): to restore an older version. */
const backupChoices = async (io: Io, globals: GlobalOptions, tape: string) => [
  { name: m.restoreLatest, value: '' },
  ...(await fromCatalog(io, globals, async (app) =>
    (await listJobs(app, { tape, type: 'BACKUP', status: 'SUCCESS' }))
      .reverse()
      .map((j) => ({ name: `${formatLocalTime(j.startedAt)}  ${j.mode ?? ''}  ${j.files} files, ${formatBytes(j.bytesRead)}  (job ${shortId(j.id)})`, value: j.id })),
  )),
];

/** The barcode typed (checked as typed), or read from a camera or a picture when the person types "scan"; undefined: Esc. */
const tapeIdOrScan = async (io: Io): Promise<string | undefined> => {
  for (;;) {
    const typed = await text({ message: m.barcode, validate: barcodeCheck });
    if (typed.kind === 'back') return undefined;
    if (typed.value.trim().toLowerCase() !== 'scan') return typed.value.trim().toUpperCase();
    const scanned = await readTapeIdFromScan(io);
    if (E.isLeft(scanned)) io.err(io.errStyle.red(renderError(scanned.left).message));
    else if (scanned.right !== undefined) {
      io.out(`read ${io.style.bold(scanned.right.tape)}`);
      return scanned.right.tape;
    }
  }
};

const optional = (flag: string, value: string): string[] => (value.trim() === '' ? [] : [flag, value.trim()]);

type Flow = 'next' | 'back' | 'stop';
type Step = () => Promise<Flow>;

/** Takes an answer into `set`; Esc goes back one step. */
const take = <T>(answer: Answer<T>, set: (value: T) => void): Flow => {
  if (answer.kind === 'back') return 'back';
  set(answer.value);
  return 'next';
};

/**
 * Asks the steps in order; Esc on one goes back to the one before (and from the first,
 * back to the main menu: false). Each step checks its answer as it is given.
 */
const runSteps = async (steps: readonly Step[]): Promise<boolean> => {
  let i = 0;
  while (i < steps.length) {
    const flow = await steps[i]!();
    if (flow === 'stop') return false;
    if (flow === 'back') {
      if (i === 0) return false;
      i--;
    } else i++;
  }
  return true;
};

/** Asks again and again until an empty answer: a list (more folders, more excludes). */
const repeated = async (message: string, check: (typed: string) => true | string, into: string[]): Promise<Flow> => {
  into.length = 0;
  for (;;) {
    const more = await pathQuestion(message, optionalCheck(check));
    if (more.kind === 'back') return into.length === 0 ? 'back' : 'next';
    if (more.value.trim() === '') return 'next';
    into.push(more.value.trim());
  }
};

const tapeStep = (io: Io, globals: GlobalOptions, message: string, set: (tape: string) => void): Step => async () => {
  const tapes = await tapeChoices(io, globals);
  if (tapes.length === 0) {
    io.out(io.style.yellow(m.noTapes));
    return 'stop';
  }
  return take(await choose(message, tapes), set);
};

type Planned = { args: string[]; writes: boolean } | undefined;

/** Asks the questions of one choice and returns the command line it stands for (undefined: nothing to run). */
const argsFor = async (choice: Choice, io: Io, globals: GlobalOptions): Promise<Planned> => {
  switch (choice) {
    case 'add': {
      const a = { barcode: '', description: '', mount: '', encrypt: false };
      const done = await runSteps([
        async () => {
          const barcode = await tapeIdOrScan(io);
          return barcode === undefined ? 'back' : take({ kind: 'answer', value: barcode }, (v) => (a.barcode = v));
        },
        async () => take(await text({ message: m.description }), (v) => (a.description = v)),
        async () => take(await pathQuestion(m.mount, optionalCheck(PATH_CHECKS.folderToBe)), (v) => (a.mount = v)),
        async () => take(await choose(m.encrypt, [{ name: m.encryptNo, value: false }, { name: m.encryptPassphrase, value: true }]), (v) => (a.encrypt = v)),
      ]);
      if (!done) return undefined;
      return { args: ['tape', 'add', a.barcode, ...optional('--description', a.description), ...optional('--mount', a.mount), ...(a.encrypt ? ['--encrypt', 'passphrase'] : [])], writes: true };
    }
    case 'backup': {
      const sources: string[] = [];
      const excludes: string[] = [];
      const a = { tape: '', sources, excludes, incremental: true, span: false };
      const done = await runSteps([
        tapeStep(io, globals, m.backupTape, (v) => (a.tape = v)),
        async () => take(await pathQuestion(m.source, PATH_CHECKS.exists), (v) => (a.sources = [v.trim()])),
        async () => {
          const more: string[] = [];
          const flow = await repeated(m.anotherSource, PATH_CHECKS.exists, more);
          a.sources = [a.sources[0] ?? '', ...more];
          return flow;
        },
        async () => repeated(m.exclude, () => true, a.excludes),
        async () => take(await yesNo(m.incremental, true), (v) => (a.incremental = v)),
        async () => take(await yesNo(m.span, false), (v) => (a.span = v)),
      ]);
      if (!done) return undefined;
      return {
        args: ['backup', a.tape, ...a.sources, ...a.excludes.flatMap((x) => ['--exclude', x]), ...(a.incremental ? ['--incremental'] : ['--full']), ...(a.span ? ['--span'] : [])],
        writes: true,
      };
    }
    case 'restore': {
      const a = { tape: '', job: '', to: '', only: '' };
      const done = await runSteps([
        tapeStep(io, globals, m.restoreTape, (v) => (a.tape = v)),
        async () => take(await choose(m.restoreJob, await backupChoices(io, globals, a.tape)), (v) => (a.job = v)),
        async () => take(await pathQuestion(m.restoreTo, PATH_CHECKS.folderToBe), (v) => (a.to = v.trim())),
        async () => take(await text({ message: m.restorePath }), (v) => (a.only = v)),
      ]);
      if (!done) return undefined;
      return { args: ['restore', a.tape, ...optional('--job', a.job), '--to', a.to, ...optional('--path', a.only)], writes: true };
    }
    case 'browse': {
      const a = { tape: '', dir: '' };
      const done = await runSteps([
        tapeStep(io, globals, m.browseTape, (v) => (a.tape = v)),
        async () => take(await text({ message: m.browseDir, validate: optionalCheck(absoluteCheck) }), (v) => (a.dir = v.trim())),
      ]);
      return done ? { args: ['browse', a.tape, ...(a.dir === '' ? [] : [a.dir])], writes: false } : undefined;
    }
    case 'find':
      return findAndRestore(io, globals);
    case 'tapes':
      return { args: ['tape', 'list'], writes: false };
    case 'jobs': {
      let tape = '';
      const tapes = await tapeChoices(io, globals);
      const done = await runSteps([async () => take(await choose(m.jobsTape, [{ name: m.jobsAll, value: '' }, ...tapes]), (v) => (tape = v))]);
      return done ? { args: ['jobs', ...optional('--tape', tape)], writes: false } : undefined;
    }
    case 'labels':
      return labelArgs(io, globals);
    case 'sets':
      return setArgs(io, globals);
    case 'copies':
      return copyArgs(io, globals);
    case 'search': {
      const pattern = await text({ message: m.searchPattern, validate: required });
      return pattern.kind === 'back' ? undefined : { args: ['search', pattern.value.trim()], writes: false };
    }
    case 'report': {
      const html = await pathQuestion(m.reportHtml, optionalCheck(PATH_CHECKS.fileToWrite));
      return html.kind === 'back' ? undefined : { args: ['report', ...optional('--html', html.value)], writes: false };
    }
    case 'serve': {
      // The web catalog: runs until Ctrl-C, then the menu comes back.
      const root = await pathQuestion(m.serveRestoreRoot, optionalCheck(PATH_CHECKS.exists));
      return root.kind === 'back' ? undefined : { args: ['serve', ...optional('--restore-root', root.value)], writes: false };
    }
    case 'logs': {
      const file = await pathQuestion(m.logsFile, PATH_CHECKS.fileToWrite, 'audit.csv');
      return file.kind === 'back' ? undefined : { args: ['logs', 'export', '--csv', file.value.trim()], writes: false };
    }
    case 'verify': {
      const a = { tape: '', quick: false };
      const done = await runSteps([tapeStep(io, globals, m.verifyTape, (v) => (a.tape = v)), async () => take(await yesNo(m.verifyQuick, false), (v) => (a.quick = v))]);
      // A verify writes its result to the tape's journal.
      return done ? { args: ['verify', a.tape, ...(a.quick ? ['--quick'] : [])], writes: true } : undefined;
    }
    case 'recover': {
      const mounts: string[] = [];
      const a = { mounts, salvage: false };
      const done = await runSteps([
        async () => take(await pathQuestion(m.recoverMount, PATH_CHECKS.folder), (v) => (a.mounts = [v.trim()])),
        async () => {
          const more: string[] = [];
          const flow = await repeated(m.recoverAnother, PATH_CHECKS.folder, more);
          a.mounts = [a.mounts[0] ?? '', ...more];
          return flow;
        },
        async () => take(await yesNo(m.recoverSalvage, false), (v) => (a.salvage = v)),
      ]);
      return done ? { args: ['recover', ...a.mounts.flatMap((mount) => ['--mount', mount]), ...(a.salvage ? ['--salvage'] : [])], writes: true } : undefined;
    }
    case 'quit':
      return undefined;
    default: {
      const unhandled: never = choice;
      return unhandled;
    }
  }
};

/** A path as a restore glob that matches it alone: glob characters escaped. */
const literalGlob = (p: string): string => p.replace(/[\\*?[\]{}]/g, '\\$&');

/** Search every tape, choose a hit (a version of a file), restore that version. */
const findAndRestore = async (io: Io, globals: GlobalOptions): Promise<Planned> => {
  const a: { pattern: string; hit: SearchHit | undefined; to: string } = { pattern: '', hit: undefined, to: '' };
  const done = await runSteps([
    async () => take(await text({ message: m.searchPattern, validate: required }), (v) => (a.pattern = v.trim())),
    async () => {
      const hits = await fromCatalog(io, globals, async (app) => {
        const found = await searchCatalog(app, { pattern: a.pattern, tape: undefined, limit: 50 });
        return E.isRight(found) ? [...found.right.hits] : [];
      });
      if (hits.length === 0) {
        io.out(io.style.yellow(MESSAGES.search.none(a.pattern)));
        return 'back';
      }
      const choices = hits.map((h) => ({ name: `${h.tape}  ${h.path}  ${h.type === 'file' ? formatBytes(h.size) : h.type}  backed up ${formatLocalTime(h.backedUpAt)}`, value: h }));
      return take(await choose(m.findWhich, choices), (v) => (a.hit = v));
    },
    async () => take(await pathQuestion(m.restoreTo, PATH_CHECKS.folderToBe), (v) => (a.to = v.trim())),
  ]);
  if (!done || a.hit === undefined) return undefined;
  return { args: ['restore', a.hit.tape, '--job', a.hit.job, '--path', literalGlob(a.hit.path), '--to', a.to], writes: true };
};

const labelArgs = async (io: Io, globals: GlobalOptions): Promise<Planned> => {
  const a = { action: 'list', tape: '', name: '', colour: '' };
  const done = await runSteps([
    async () =>
      take(
        await choose(m.labelAction, [
          { name: 'List labels', value: 'list' },
          { name: 'Create a label', value: 'create' },
          { name: 'Put a label on a tape', value: 'assign' },
          { name: 'Take a label off a tape', value: 'unassign' },
          { name: 'Delete a label', value: 'delete' },
        ]),
        (v) => (a.action = v),
      ),
    async () => (a.action === 'assign' || a.action === 'unassign' ? tapeStep(io, globals, m.labelTape, (v) => (a.tape = v))() : 'next'),
    async () => (a.action === 'list' ? 'next' : take(await text({ message: m.labelName, validate: labelCheck }), (v) => (a.name = v.trim()))),
    async () => (a.action === 'create' ? take(await text({ message: m.labelColour, default: '#808080', validate: colourCheck }), (v) => (a.colour = v.trim())) : 'next'),
  ]);
  if (!done) return undefined;
  if (a.action === 'list') return { args: ['label', 'list'], writes: false };
  if (a.action === 'assign' || a.action === 'unassign') return { args: ['label', a.action, a.tape, a.name], writes: true };
  if (a.action === 'create') return { args: ['label', 'create', a.name, '--color', a.colour], writes: true };
  return { args: ['label', 'delete', a.name], writes: true };
};

/** The sets of the catalog, to choose from. */
const setChoices = (io: Io, globals: GlobalOptions) =>
  fromCatalog(io, globals, async (app) => (await app.catalog.sets.sets()).map((x) => ({ name: `${x.name}${x.description === '' ? '' : ` — ${x.description}`}`, value: x.name })));

const setStep = (io: Io, globals: GlobalOptions, set: (name: string) => void): Step => async () => {
  const sets = await setChoices(io, globals);
  if (sets.length === 0) {
    io.out(io.style.yellow(MESSAGES.sets.none));
    return 'stop';
  }
  return take(await choose(m.setWhich, sets), set);
};

const setArgs = async (io: Io, globals: GlobalOptions): Promise<Planned> => {
  const sources: string[] = [];
  const a = { action: 'list', set: '', copies: '1', tape: '', place: '', sources };
  const needsSet = () => a.action === 'show' || a.action === 'add' || a.action === 'backup';
  const done = await runSteps([
    async () =>
      take(
        await choose(m.setAction, [
          { name: 'List tape sets', value: 'list' },
          { name: 'Show a tape set', value: 'show' },
          { name: 'Create a tape set', value: 'create' },
          { name: 'Put a tape in a set', value: 'add' },
          { name: 'Back up folders to a set', value: 'backup' },
          { name: 'Move a tape (where it is kept)', value: 'move' },
        ]),
        (v) => (a.action = v),
      ),
    async () => (needsSet() ? setStep(io, globals, (v) => (a.set = v))() : 'next'),
    async () => (a.action === 'create' ? take(await text({ message: m.setName, validate: setCheck }), (v) => (a.set = v.trim())) : 'next'),
    async () => (a.action === 'create' ? take(await text({ message: m.setCopies, default: '1', validate: copiesCheck }), (v) => (a.copies = v.trim())) : 'next'),
    async () => (a.action === 'add' || a.action === 'move' ? tapeStep(io, globals, m.labelTape, (v) => (a.tape = v))() : 'next'),
    async () => (a.action === 'move' ? take(await text({ message: m.movePlace, default: 'shelf', validate: locationCheck }), (v) => (a.place = v.trim())) : 'next'),
    async () => (a.action === 'backup' ? take(await pathQuestion(m.source, PATH_CHECKS.exists), (v) => (a.sources = [v.trim()])) : 'next'),
    async () => {
      if (a.action !== 'backup') return 'next';
      const more: string[] = [];
      const flow = await repeated(m.anotherSource, PATH_CHECKS.exists, more);
      a.sources = [a.sources[0] ?? '', ...more];
      return flow;
    },
  ]);
  if (!done) return undefined;
  switch (a.action) {
    case 'show':
      return { args: ['set', 'show', a.set], writes: false };
    case 'create':
      return { args: ['set', 'create', a.set, '--copies', a.copies], writes: true };
    case 'add':
      return { args: ['set', 'add', a.set, a.tape], writes: true };
    case 'backup':
      return { args: ['backup', '--set', a.set, ...a.sources], writes: true };
    case 'move':
      return { args: ['tape', 'move', a.tape, '--to', a.place], writes: true };
    default:
      return { args: ['set', 'list'], writes: false };
  }
};

/** A second copy of a tape or of a set, a migration onto a newer tape, a retirement: each the command it stands for. */
const copyArgs = async (io: Io, globals: GlobalOptions): Promise<Planned> => {
  const a = { action: 'copy', from: '', to: '' };
  const tapes = (): boolean => a.action !== 'sets';
  const done = await runSteps([
    async () =>
      take(
        await choose(m.copyAction, [
          { name: 'Copy a tape onto another', value: 'copy' },
          { name: 'Copy a tape set onto another set', value: 'sets' },
          { name: 'Migrate a tape onto a newer one', value: 'migrate' },
          { name: 'Retire a tape', value: 'retire' },
        ]),
        (v) => (a.action = v),
      ),
    async () => {
      const message = a.action === 'copy' ? m.copyFrom : a.action === 'migrate' ? m.migrateFrom : a.action === 'retire' ? m.retireTape : m.copyFromSet;
      return tapes() ? tapeStep(io, globals, message, (v) => (a.from = v))() : setStep(io, globals, (v) => (a.from = v))();
    },
    async () => {
      if (a.action === 'retire') return 'next';
      if (a.action === 'sets') {
        const others = (await setChoices(io, globals)).filter((s) => s.value !== a.from);
        if (others.length === 0) {
          io.out(io.style.yellow(m.noOtherSet));
          return 'stop';
        }
        return take(await choose(m.copyToSet, others), (v) => (a.to = v));
      }
      return tapeStep(io, globals, a.action === 'copy' ? m.copyTo : m.migrateTo, (v) => (a.to = v))();
    },
  ]);
  if (!done) return undefined;
  switch (a.action) {
    case 'sets':
      return { args: ['copy', '--set', a.from, '--to-set', a.to], writes: true };
    case 'migrate':
      return { args: ['migrate', a.from, '--to', a.to], writes: true };
    case 'retire':
      return { args: ['tape', 'retire', a.from], writes: true };
    default:
      return { args: ['copy', a.from, a.to], writes: true };
  }
};

const MAIN_CHOICES = [
  { name: 'Add a tape', value: 'add' as const },
  { name: 'Back up folders to a tape', value: 'backup' as const },
  { name: 'Restore from a tape', value: 'restore' as const },
  { name: 'Browse a tape', value: 'browse' as const },
  { name: 'Verify a tape', value: 'verify' as const },
  { name: 'Labels', value: 'labels' as const },
  { name: 'Search every tape', value: 'search' as const },
  { name: 'Find a file and restore it', value: 'find' as const },
  { name: 'Health report', value: 'report' as const },
  { name: 'Tape sets and locations', value: 'sets' as const },
  { name: 'Copies, migration and retirement', value: 'copies' as const },
  { name: 'Open the web catalog (browser)', value: 'serve' as const },
  { name: 'Disaster recovery', value: 'recover' as const },
  { name: 'Export the audit log', value: 'logs' as const },
  { name: 'List the tapes', value: 'tapes' as const },
  { name: 'Jobs', value: 'jobs' as const },
  new Separator(),
  { name: 'Quit', value: 'quit' as const },
];

const isCtrlC = (error: unknown): boolean => error instanceof Error && error.name === 'ExitPromptError';

/**
 * The interactive menu (`lto` with no arguments on a terminal). Each choice asks its
 * questions, each answer checked as it is given (asked again with the reason); Esc goes
 * back one question, Tab completes a path. It shows the command line it stands for,
 * asks before anything that writes, then runs that very command. Quit returns the exit
 * code of the last command run; Ctrl-C exits 130, as a shell expects of it.
 */
export const runMenu = async (io: Io, globals: GlobalOptions, run: RunCommand): Promise<number> => {
  io.out(io.style.bold(m.welcome));
  let last = 0;
  for (;;) {
    try {
      const choice = await select<Choice>({ message: m.main, choices: MAIN_CHOICES, pageSize: MAIN_CHOICES.length });
      if (choice === 'quit') return last;
      const planned = await argsFor(choice, io, globals);
      if (planned === undefined) continue;
      io.out(`${io.style.dim(m.equivalent)} ${io.style.cyan(commandLine(planned.args))}`);
      if (planned.writes) {
        const go = await yesNo(m.confirm, true);
        if (go.kind === 'back' || !go.value) {
          io.out(m.cancelled);
          continue;
        }
      }
      last = await run(planned.args);
      io.out('');
    } catch (error) {
      if (isCtrlC(error)) return EXIT.INTERRUPTED;
      throw error;
    }
  }
};
