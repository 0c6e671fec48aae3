import { CommanderError } from 'commander';
import type { RunState } from './action';
import { EXIT } from './exit-codes';
import { processIo } from './io';
import { buildProgram } from './program';

/** The entry point: the only place that sets the process's exit code. */
const main = async (): Promise<void> => {
  const io = processIo();
  const state: RunState = { exitCode: EXIT.OK };
  const program = buildProgram(io, state);
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      state.exitCode = error.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    } else {
      io.err(`${io.errStyle.red('internal error:')} ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      state.exitCode = EXIT.FAILED;
    }
  }
  process.exitCode = state.exitCode;
};

void main();
