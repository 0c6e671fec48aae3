import * as path from 'node:path';
import type { Config } from './config';

/** Where the catalog choice came from, strongest first (`lto config show` names it). */
export type CatalogSource = '--catalog' | 'LTO_CATALOG' | 'config' | '--db' | 'LTO_DB' | 'default';

/** The catalog a command opens: a PostgreSQL server shared by several hosts, or a SQLite file of this host. */
export type CatalogChoice =
  | { readonly kind: 'postgres'; readonly url: string; readonly source: CatalogSource }
  | { readonly kind: 'sqlite'; readonly path: string; readonly source: CatalogSource };

const POSTGRES_URL = /^postgres(ql)?:\/\//i;

/** A `postgres://` or `postgresql://` connection string (anything else names a SQLite file). */
export const isPostgresUrl = (value: string): boolean => POSTGRES_URL.test(value);

const given = (value: string | undefined): value is string => value !== undefined && value !== '';

/** A `--catalog`, `LTO_CATALOG` or config value as a choice: a server, or a file (relative to the working folder). */
export const catalogOf = (value: string, source: CatalogSource): CatalogChoice =>
  isPostgresUrl(value) ? { kind: 'postgres', url: value, source } : { kind: 'sqlite', path: path.resolve(value), source };

/**
 * The catalog, strongest first: the flags (`--catalog`, then `--db`), the environment
 * (`LTO_CATALOG`, then `LTO_DB`), config.json's `catalog` (`lto config set-catalog`), and
 * `<data>/catalog.db`. A flag given on the command line always wins, so `--db` keeps
 * working as before even where a shared catalog is configured.
 */
export const chooseCatalog = (
  dataDir: string,
  env: NodeJS.ProcessEnv,
  options: { readonly catalog?: string | undefined; readonly db?: string | undefined },
  config: Config,
): CatalogChoice => {
  if (given(options.catalog)) return catalogOf(options.catalog, '--catalog');
  if (given(options.db)) return { kind: 'sqlite', path: path.resolve(options.db), source: '--db' };
  const fromEnv = env['LTO_CATALOG'];
  if (given(fromEnv)) return catalogOf(fromEnv, 'LTO_CATALOG');
  const db = env['LTO_DB'];
  if (given(db)) return { kind: 'sqlite', path: path.resolve(db), source: 'LTO_DB' };
  if (given(config.catalog)) return catalogOf(config.catalog, 'config');
  return { kind: 'sqlite', path: path.join(dataDir, 'catalog.db'), source: 'default' };
};

const MASK = '***';

/**
 * A connection string fit to print: a password (in the authority or a `password=`
 * parameter) replaced by ***. Something that does not parse as a URL is masked whole
 * after the scheme, rather than risk printing a secret.
 */
export const maskUrl = (url: string): string => {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url.replace(/^([a-z]+:\/\/).*$/i, `$1${MASK}`);
  }
  if (parsed.password !== '') parsed.password = MASK;
  for (const key of [...parsed.searchParams.keys()]) if (key.toLowerCase() === 'password') parsed.searchParams.set(key, MASK);
  return parsed.toString();
};

/** Whether a connection string carries a password (a warning when it is to be saved in plain text). */
export const holdsPassword = (url: string): boolean => maskUrl(url) !== url;

/** The catalog in words: a masked URL or a file path. */
export const describeCatalog = (choice: CatalogChoice): string => (choice.kind === 'postgres' ? maskUrl(choice.url) : choice.path);
