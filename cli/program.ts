import { Command } from 'commander';
import type { RunState } from './action';
import type { GlobalOptions } from './bootstrap';
import { registerBackup } from './commands/backup';
import { registerBarcode } from './commands/barcode';
import { registerBrowse } from './commands/browse';
import { registerCatalog } from './commands/catalog';
import { registerConfig } from './commands/config';
import { registerCopy } from './commands/copy';
import { registerDemo } from './commands/demo';
import { registerJobs } from './commands/jobs';
import { registerLabel } from './commands/label';
import { registerLogs } from './commands/logs';
import { registerReport } from './commands/report';
import { registerRestore } from './commands/restore';
import { registerSearch } from './commands/search';
import { registerSet } from './commands/set';
import { registerServe } from './commands/serve';
import { registerTapeAdd } from './commands/tape-add';
import { registerTapeDescribe } from './commands/tape-describe';
import { registerTapeForget } from './commands/tape-forget';
import { registerTapeHistory } from './commands/tape-history';
import { registerTapeList } from './commands/tape-list';
import { registerTapeMove } from './commands/tape-move';
import { registerTapeRetire } from './commands/tape-retire';
import { registerMigrate } from './commands/migrate';
import { registerTapeShow } from './commands/tape-show';
import { registerTapeKeys } from './commands/tape-keys';
import { registerKeyGenerate } from './commands/key-generate';
import { registerVerify } from './commands/verify';
import { registerRecover } from './commands/recover';
import type { Io } from './io';

export const VERSION = '0.1.0';

/** The whole command tree. Errors from commander itself (usage) are thrown, not exited. */
export const buildProgram = (io: Io, state: RunState): Command => {
  const program = new Command('lto');
  program
    .description('lto-archive: back up to LTO tape (LTFS), find, verify and restore every byte, recover the catalog from tape')
    .version(VERSION, '-V, --version')
    .option('--db <path>', 'catalog database file (default: <data folder>/catalog.db; env LTO_DB)')
    .option(
      '--catalog <url|file>',
      'the catalog: postgres://user@host/db (shared by several hosts) or a SQLite file; env LTO_CATALOG, else `lto config set-catalog`, else --db. Give the password in PGPASSWORD or ~/.pgpass, not the URL',
    )
    .exitOverride()
    .showSuggestionAfterError(true)
    .addHelpText('after', '\nOn a terminal, `lto` with no arguments opens an interactive menu that runs these same commands.')
    .configureOutput({
      writeOut: (text) => io.out(text.trimEnd()),
      writeErr: (text) => io.err(text.trimEnd()),
      // With --json the entry point writes the usage error as one JSON line instead.
      outputError: (text, write) => (io.json === true ? undefined : write(io.errStyle.red(text.trimEnd()))),
    });
  const globals = (): GlobalOptions => program.opts<GlobalOptions>();

  const tape = program.command('tape').description('tapes: add, list, show, history, describe, forget, keys, move, retire');
  registerTapeAdd(tape, io, state, globals);
  registerTapeList(tape, io, state, globals);
  registerTapeShow(tape, io, state, globals);
  registerTapeHistory(tape, io, state, globals);
  registerTapeDescribe(tape, io, state, globals);
  registerTapeForget(tape, io, state, globals);
  registerTapeKeys(tape, io, state, globals);
  registerTapeMove(tape, io, state, globals);
  registerTapeRetire(tape, io, state, globals);
  registerBackup(program, io, state, globals);
  registerRestore(program, io, state, globals);
  registerBrowse(program, io, state, globals);
  registerVerify(program, io, state, globals);
  registerRecover(program, io, state, globals);
  registerCopy(program, io, state, globals);
  registerMigrate(program, io, state, globals);
  registerJobs(program, io, state, globals);
  registerLabel(program, io, state, globals);
  registerSet(program, io, state, globals);
  registerSearch(program, io, state, globals);
  registerReport(program, io, state, globals);
  registerServe(program, io, state, globals);
  registerLogs(program, io, state, globals);
  registerCatalog(program, io, state, globals);
  registerConfig(program, io, state, globals);
  registerDemo(program, io, state);
  registerKeyGenerate(program, io, state);
  registerBarcode(program, io, state, globals);
  return program;
};
