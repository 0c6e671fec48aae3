import { CommanderError } from 'commander';
import type { RunState } from './action';
import { EXIT, type ExitCode } from './exit-codes';
import { processIo, type Io } from './io';
import { buildProgram } from './program';
import { watchParent } from '../infrastructure/stop-signals';

/** Runs one command line through a fresh program; returns its exit code. */
const runCommand = async (io: Io, args: readonly string[]): Promise<ExitCode> => {
  const state: RunState = { exitCode: EXIT.OK };
  const program = buildProgram(io, state);
  try {
    await program.parseAsync(['node', 'lto', ...args]);
  } catch (error) {
    if (error instanceof CommanderError) {
      state.exitCode = error.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    } else {
      io.err(`${io.errStyle.red('internal error:')} ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      state.exitCode = EXIT.FAILED;
    }
  }
  return state.exitCode;
};

/**
 * The entry point: the only place that sets the process's exit code. No arguments on a
 * terminal: the interactive menu, which runs the same commands.
 */
const main = async (): Promise<void> => {
  // In the child bin/lto.js starts for a long job: never outlive that parent.
  watchParent();
  const io = processIo();
  const args = process.argv.slice(2);
  // The menu (and its prompt library) loads only when it runs: a command starts sooner.
  process.exitCode = args.length === 0 && io.interactive ? await import('./menu/menu.js').then(({ runMenu }) => runMenu(io, {}, (a) => runCommand(io, a))) : await runCommand(io, args);
};

void main();
