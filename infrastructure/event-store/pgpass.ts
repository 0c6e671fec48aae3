import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The connection a password is looked up for, as libpq's password file matches it. */
export interface PgPassKey {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
}

/** One field of a password file line: `\` escapes `:` and `\`. */
const splitFields = (line: string): string[] => {
  const fields: string[] = [];
  let field = '';
  for (let i = 0; i < line.length; i += 1) {
    const ch = line[i];
    if (ch === '\\' && i + 1 < line.length) field += line[(i += 1)];
    else if (ch === ':') {
      fields.push(field);
      field = '';
    } else field += ch;
  }
  fields.push(field);
  return fields;
};

/** A Unix-socket host (a folder) matches `localhost` in the file, as in libpq. */
const hostMatches = (pattern: string, host: string): boolean => pattern === '*' || pattern === host || (pattern === 'localhost' && host.startsWith('/'));

/**
 * The password for a connection from libpq's password file (`PGPASSFILE`, else
 * `~/.pgpass`): the first line whose host, port, database and user match (`*` matches
 * anything). As libpq, a file others may read is ignored (on Unix). Read here rather than
 * by node-postgres, whose own reading is deprecated and warns on every run.
 */
export const pgPassword = (key: PgPassKey, env: NodeJS.ProcessEnv = process.env): string | undefined => {
  const file = env['PGPASSFILE'] ?? path.join(os.homedir(), '.pgpass');
  let text: string;
  try {
    const stat = fs.statSync(file);
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) return undefined;
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const [host, port, database, user, password] = splitFields(line);
    if (password === undefined) continue;
    if (!hostMatches(host ?? '', key.host)) continue;
    if (port !== '*' && port !== String(key.port)) continue;
    if (database !== '*' && database !== key.database) continue;
    if (user !== '*' && user !== key.user) continue;
    return password;
  }
  return undefined;
};
