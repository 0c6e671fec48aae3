import { CommanderError } from 'commander';
import type { RunState } from './action';
import { EXIT, type ExitCode } from './exit-codes';
import { processIo, type Io } from './io';
import { jsonErrorLine, wantsJson } from './json';
import { buildProgram } from './program';
import { renderThrown } from './thrown-errors';
import { watchParent } from '../infrastructure/stop-signals';

/** Runs one command line through a fresh program; returns its exit code. */
const runCommand = async (shared: Io, args: readonly string[]): Promise<ExitCode> => {
  const io: Io = { ...shared, json: wantsJson(args) };
  const state: RunState = { exitCode: EXIT.OK };
  const program = buildProgram(io, state);
  try {
    await program.parseAsync(['node', 'lto', ...args]);
  } catch (error) {
    if (error instanceof CommanderError) {
      state.exitCode = error.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
      if (io.json === true && state.exitCode !== EXIT.OK) io.err(jsonErrorLine(usageCode(error.code), error.message.replace(/^error: /, ''), state.exitCode));
    } else {
      state.exitCode = reportThrown(io, error);
    }
  }
  return state.exitCode;
};

/** `commander.unknownOption` → `UnknownOption`: commander's own usage errors, named like ours. */
const usageCode = (code: string): string => {
  const name = code.replace(/^commander\./, '');
  return name.charAt(0).toUpperCase() + name.slice(1);
};

/** One line for what was thrown (see thrown-errors.ts); the stack only when LTO_DEBUG asks for it. */
const reportThrown = (io: Io, error: unknown): ExitCode => {
  const rendered = renderThrown(error);
  const message = rendered.message.replace(/\s*\n\s*/g, ' ');
  if (io.json === true) io.err(jsonErrorLine(rendered.code, message, rendered.exit));
  else io.err(`${io.errStyle.red(rendered.bug ? 'internal error:' : 'error:')} ${message}`);
  const debug = process.env['LTO_DEBUG'];
  if (debug !== undefined && debug !== '' && error instanceof Error && error.stack !== undefined) io.err(error.stack);
  return rendered.exit;
};

/**
 * The entry point: the only place that sets the process's exit code. No arguments on a
 * terminal: the interactive menu, which runs the same commands.
 */
const main = async (): Promise<void> => {
  // In the child bin/lto.js starts for a long job: never outlive that parent.
  watchParent();
  const io = processIo();
  // Thrown outside the command's promise (a stream's or a worker's error event): still one line.
  const args = process.argv.slice(2);
  const fatal = (error: unknown): void => process.exit(reportThrown({ ...io, json: wantsJson(args) }, error));
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
  // The menu (and its prompt library) loads only when it runs: a command starts sooner.
  process.exitCode = args.length === 0 && io.interactive ? await import('./menu/menu.js').then(({ runMenu }) => runMenu(io, {}, (a) => runCommand(io, a))) : await runCommand(io, args);
};

void main();
