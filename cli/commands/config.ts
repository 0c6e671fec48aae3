import * as path from 'node:path';
import type { Command } from 'commander';
import * as E from 'fp-ts/Either';
import { readConfig, writeConfig, configPath } from '../../infrastructure/config';
import { currentEnvironment, dataFolder } from '../../infrastructure/data-dir';
import { catalogOf, chooseCatalog, describeCatalog, holdsPassword } from '../../infrastructure/catalog-choice';
import { printJson, reportError, type RunState } from '../action';
import type { GlobalOptions } from '../bootstrap';
import { EXIT } from '../exit-codes';
import type { Io } from '../io';
import { renderFields } from '../ui/table';

/** Settings of this machine: the data folder, the database, and the drive's mount point. */
export const registerConfig = (program: Command, io: Io, state: RunState, globals: () => GlobalOptions): void => {
  const config = program.command('config').description("this machine's settings (data folder, database, drive mount point)");
  const dataDir = () => dataFolder(currentEnvironment());

  config
    .command('show')
    .description('print where things are and the settings')
    .option('--json', 'print as JSON')
    .action((options: { json?: boolean }) => {
      const dir = dataDir();
      const current = readConfig(dir);
      if (E.isLeft(current)) {
        state.exitCode = reportError(io, current.left);
        return;
      }
      const catalog = chooseCatalog(dir, process.env, globals(), current.right);
      const facts = {
        dataFolder: dir,
        // The SQLite file, or this host's local one (mount memory) beside a shared catalog.
        database: catalog.kind === 'sqlite' ? catalog.path : path.join(dir, 'local.db'),
        catalog: describeCatalog(catalog),
        catalogKind: catalog.kind,
        catalogFrom: catalog.source,
        configFile: configPath(dir),
        drive: current.right.drive ?? null,
        defaultTapes: path.join(dir, 'tapes'),
      };
      if (options.json === true) printJson(io, facts);
      else io.out(renderFields(Object.entries(facts).map(([k, v]) => [k, v ?? io.style.dim('(not set: folder-backed tapes are used)')]), io.style));
    });

  config
    .command('set-catalog')
    .description('use this catalog when no --catalog or LTO_CATALOG is given: a postgres:// URL (shared by several hosts) or a SQLite file')
    .argument('<url|file>', 'postgres://user@host:5432/db (the password in PGPASSWORD or ~/.pgpass, not here: config.json is plain text) or a file')
    .action((value: string) => {
      const dir = dataDir();
      const current = readConfig(dir);
      if (E.isLeft(current)) {
        state.exitCode = reportError(io, current.left);
        return;
      }
      const choice = catalogOf(value, 'config');
      writeConfig(dir, { ...current.right, catalog: choice.kind === 'postgres' ? choice.url : choice.path });
      io.out(`Catalog set to ${describeCatalog(choice)}.`);
      if (choice.kind === 'postgres' && holdsPassword(choice.url)) {
        io.err(io.errStyle.yellow(`config.json (${configPath(dir)}) now holds a password: prefer PGPASSWORD or ~/.pgpass`));
      }
      state.exitCode = EXIT.OK;
    });

  config
    .command('unset-catalog')
    .description('forget the catalog setting: --db, LTO_DB or <data folder>/catalog.db again')
    .action(() => {
      const dir = dataDir();
      const current = readConfig(dir);
      if (E.isLeft(current)) {
        state.exitCode = reportError(io, current.left);
        return;
      }
      const { catalog: _catalog, ...rest } = current.right;
      writeConfig(dir, rest);
      io.out('Catalog unset.');
    });

  config
    .command('set-drive')
    .description('use this mount point for tapes when a command gets no --mount')
    .argument('<path>', 'the LTFS mount point (or drive letter)')
    .action((mount: string) => {
      const dir = dataDir();
      const current = readConfig(dir);
      if (E.isLeft(current)) {
        state.exitCode = reportError(io, current.left);
        return;
      }
      writeConfig(dir, { ...current.right, drive: path.resolve(mount) });
      io.out(`Drive set to ${path.resolve(mount)}.`);
      state.exitCode = EXIT.OK;
    });

  config
    .command('unset-drive')
    .description('forget the drive: tapes without --mount are folder-backed again')
    .action(() => {
      const dir = dataDir();
      const current = readConfig(dir);
      if (E.isLeft(current)) {
        state.exitCode = reportError(io, current.left);
        return;
      }
      const { drive: _drive, ...rest } = current.right;
      writeConfig(dir, rest);
      io.out('Drive unset.');
    });
};
