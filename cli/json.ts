import type { Io } from './io';

/**
 * The version of every `--json` shape (docs/JSON.md). Raised only if a field is ever
 * renamed or removed again; additions keep it.
 */
export const JSON_SCHEMA = 1;

/** What a command prints with --json: always one object, `schema` first. */
export type JsonBody = Readonly<Record<string, unknown>>;

/** A command's one result object on stdout (indented, for people who read it too). */
export const printJson = (io: Io, body: JsonBody): void => io.out(JSON.stringify({ schema: JSON_SCHEMA, ...body }, null, 2));

/** One line of a stream (NDJSON): only where streaming is the point (logs export, progress). */
export const printJsonLine = (write: (text: string) => void, body: JsonBody): void => write(JSON.stringify({ schema: JSON_SCHEMA, ...body }));

/** `{"schema":1,"error":{code,message,exit}}`: the one stderr line of a command that failed with --json. */
export const jsonErrorLine = (code: string, message: string, exit: number): string =>
  JSON.stringify({ schema: JSON_SCHEMA, error: { code, message, exit } });

/**
 * Whether this command line asked for JSON: known before commander parses it, so that even
 * a usage error (an unknown option) is answered in JSON. Words after `--` are operands.
 */
export const wantsJson = (args: readonly string[]): boolean => {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).includes('--json');
};
