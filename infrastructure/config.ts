import * as fs from 'node:fs';
import * as path from 'node:path';
import * as t from 'io-ts';
import * as E from 'fp-ts/Either';
import { describeErrors } from '../domain/events';
import { errorMessage, isErrno } from './errno';

/** `<data>/config.json`: settings of this machine (not of the archive). */
export const Config = t.partial({
  /** The mount point of the LTFS drive, used when a command gets no `--mount`. */
  drive: t.string,
  /** The catalog when no `--catalog` or `LTO_CATALOG` is given: a `postgres://` URL (shared) or a SQLite file. */
  catalog: t.string,
});
export type Config = t.TypeOf<typeof Config>;

export interface ConfigProblem {
  readonly _tag: 'ConfigInvalid';
  readonly path: string;
  readonly problems: readonly string[];
}

export const configPath = (dataDir: string): string => path.join(dataDir, 'config.json');

export const readConfig = (dataDir: string): E.Either<ConfigProblem, Config> => {
  const file = configPath(dataDir);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return E.right({});
    return E.left({ _tag: 'ConfigInvalid', path: file, problems: [errorMessage(error)] });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return E.left({ _tag: 'ConfigInvalid', path: file, problems: [`not JSON: ${errorMessage(error)}`] });
  }
  const decoded = Config.decode(json);
  return E.isLeft(decoded) ? E.left({ _tag: 'ConfigInvalid', path: file, problems: describeErrors(decoded.left) }) : decoded;
};

export const writeConfig = (dataDir: string, config: Config): void => {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = configPath(dataDir);
  const temporary = `${file}.tmp`;
  fs.writeFileSync(temporary, `${JSON.stringify(config, null, 2)}\n`);
  fs.renameSync(temporary, file);
};
