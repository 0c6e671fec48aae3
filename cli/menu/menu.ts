import { confirm, input, select, Separator } from '@inquirer/prompts';
import * as E from 'fp-ts/Either';
import { openApp, type GlobalOptions } from '../bootstrap';
import type { Io } from '../io';
import { MESSAGES } from '../ui/messages';
import { renderError } from '../errors';
import { readTapeIdFromScan } from '../scan-tape-id';
import { commandLine } from './shell-quote';

/** Runs one command line of the CLI (the same program, the same use cases). */
export type RunCommand = (args: readonly string[]) => Promise<number>;

type Choice = 'add' | 'backup' | 'restore' | 'browse' | 'verify' | 'labels' | 'search' | 'report' | 'recover' | 'logs' | 'quit';

const m = MESSAGES.menu;

/** The tapes of the catalog, to choose from; empty when there are none (or the catalog cannot open). */
const tapeIds = async (io: Io, globals: GlobalOptions): Promise<string[]> => {
  const opened = await openApp({ ...io, err: () => undefined }, globals);
  if (E.isLeft(opened)) return [];
  try {
    return opened.right.app.catalog.tapes().map((t) => `${t.id}${t.description === '' ? '' : ` — ${t.description}`}`);
  } finally {
    opened.right.close();
  }
};

const chooseTape = async (io: Io, globals: GlobalOptions, message: string): Promise<string | undefined> => {
  const tapes = await tapeIds(io, globals);
  if (tapes.length === 0) {
    io.out(io.style.yellow(m.noTapes));
    return undefined;
  }
  const chosen = await select({ message, choices: tapes.map((t) => ({ name: t, value: t.split(' ')[0] ?? t })) });
  return chosen;
};

/** The barcode typed, or read from a camera or a picture when the person types "scan". */
const tapeIdOrScan = async (io: Io): Promise<string | undefined> => {
  for (;;) {
    const typed = (await input({ message: m.barcode, validate: (v) => v.trim() !== '' || m.required })).trim();
    if (typed.toLowerCase() !== 'scan') return typed;
    const scanned = await readTapeIdFromScan(io);
    if (E.isLeft(scanned)) io.err(io.errStyle.red(renderError(scanned.left).message));
    else if (scanned.right !== undefined) {
      io.out(`read ${io.style.bold(scanned.right.tape)}`);
      return scanned.right.tape;
    }
  }
};

const optional = (flag: string, value: string): string[] => (value.trim() === '' ? [] : [flag, value.trim()]);

/** Asks the questions of one choice and returns the command line it stands for (undefined: nothing to run). */
const argsFor = async (choice: Choice, io: Io, globals: GlobalOptions): Promise<{ args: string[]; writes: boolean } | undefined> => {
  switch (choice) {
    case 'add': {
      const barcode = await tapeIdOrScan(io);
      if (barcode === undefined) return undefined;
      const description = await input({ message: m.description });
      const mount = await input({ message: m.mount });
      return { args: ['tape', 'add', barcode, ...optional('--description', description), ...optional('--mount', mount)], writes: true };
    }
    case 'backup': {
      const tape = await chooseTape(io, globals, m.backupTape);
      if (tape === undefined) return undefined;
      const sources = [await input({ message: m.source, validate: (v) => v.trim() !== '' || m.required })];
      for (;;) {
        const more = await input({ message: m.anotherSource });
        if (more.trim() === '') break;
        sources.push(more.trim());
      }
      const incremental = await confirm({ message: m.incremental, default: true });
      return { args: ['backup', tape, ...sources.map((s) => s.trim()), incremental ? '--incremental' : '--full'], writes: true };
    }
    case 'restore': {
      const tape = await chooseTape(io, globals, m.restoreTape);
      if (tape === undefined) return undefined;
      const to = await input({ message: m.restoreTo, validate: (v) => v.trim() !== '' || m.required });
      const only = await input({ message: m.restorePath });
      return { args: ['restore', tape, '--to', to.trim(), ...optional('--path', only)], writes: true };
    }
    case 'browse': {
      const tape = await chooseTape(io, globals, m.browseTape);
      if (tape === undefined) return undefined;
      const dir = await input({ message: m.browseDir });
      return { args: ['browse', tape, ...(dir.trim() === '' ? [] : [dir.trim()])], writes: false };
    }
    case 'labels':
      return labelArgs(io, globals);
    case 'search': {
      const pattern = await input({ message: m.searchPattern, validate: (v) => v.trim() !== '' || m.required });
      return { args: ['search', pattern.trim()], writes: false };
    }
    case 'report': {
      const html = await input({ message: m.reportHtml });
      return { args: ['report', ...optional('--html', html)], writes: false };
    }
    case 'logs': {
      const file = await input({ message: m.logsFile, default: 'audit.csv' });
      return { args: ['logs', 'export', '--csv', file.trim()], writes: false };
    }
    case 'verify': {
      const tape = await chooseTape(io, globals, m.verifyTape);
      if (tape === undefined) return undefined;
      const quick = await confirm({ message: m.verifyQuick, default: false });
      // A verify writes its result to the tape's journal.
      return { args: ['verify', tape, ...(quick ? ['--quick'] : [])], writes: true };
    }
    case 'recover': {
      const mounts = [await input({ message: m.recoverMount, validate: (v) => v.trim() !== '' || m.required })];
      for (;;) {
        const more = await input({ message: m.recoverAnother });
        if (more.trim() === '') break;
        mounts.push(more.trim());
      }
      const salvage = await confirm({ message: m.recoverSalvage, default: false });
      return { args: ['recover', ...mounts.flatMap((mount) => ['--mount', mount.trim()]), ...(salvage ? ['--salvage'] : [])], writes: true };
    }
    case 'quit':
      return undefined;
    default: {
      const unhandled: never = choice;
      return unhandled;
    }
  }
};

const labelArgs = async (io: Io, globals: GlobalOptions): Promise<{ args: string[]; writes: boolean } | undefined> => {
  const action = await select({
    message: m.labelAction,
    choices: [
      { name: 'List labels', value: 'list' },
      { name: 'Create a label', value: 'create' },
      { name: 'Put a label on a tape', value: 'assign' },
      { name: 'Take a label off a tape', value: 'unassign' },
      { name: 'Delete a label', value: 'delete' },
    ],
  });
  if (action === 'list') return { args: ['label', 'list'], writes: false };
  if (action === 'assign' || action === 'unassign') {
    const tape = await chooseTape(io, globals, m.labelTape);
    if (tape === undefined) return undefined;
    const name = await input({ message: m.labelName, validate: (v) => v.trim() !== '' || m.required });
    return { args: ['label', action, tape, name.trim()], writes: true };
  }
  const name = await input({ message: m.labelName, validate: (v) => v.trim() !== '' || m.required });
  if (action === 'create') {
    const color = await input({ message: m.labelColour, default: '#808080' });
    return { args: ['label', 'create', name.trim(), '--color', color.trim()], writes: true };
  }
  return { args: ['label', 'delete', name.trim()], writes: true };
};

const MAIN_CHOICES = [
  { name: 'Add a tape', value: 'add' as const },
  { name: 'Back up folders to a tape', value: 'backup' as const },
  { name: 'Restore from a tape', value: 'restore' as const },
  { name: 'Browse a tape', value: 'browse' as const },
  { name: 'Verify a tape', value: 'verify' as const },
  { name: 'Labels', value: 'labels' as const },
  { name: 'Search every tape', value: 'search' as const },
  { name: 'Health report', value: 'report' as const },
  { name: 'Disaster recovery', value: 'recover' as const },
  { name: 'Export the audit log', value: 'logs' as const },
  new Separator(),
  { name: 'Quit', value: 'quit' as const },
];

const isPromptExit = (error: unknown): boolean => error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError');

/**
 * The interactive menu (`lto` with no arguments on a terminal). Each choice asks its
 * questions, shows the command line it stands for, asks before anything that writes,
 * then runs that very command. Returns the exit code of the last command run.
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
      if (planned.writes && !(await confirm({ message: m.confirm, default: true }))) {
        io.out(m.cancelled);
        continue;
      }
      last = await run(planned.args);
      io.out('');
    } catch (error) {
      if (isPromptExit(error)) return last;
      throw error;
    }
  }
};
