import { colourWanted, makeStyle, type Style } from './ui/style';

/** Where a command writes: data to stdout, notes and errors to stderr, styled for each. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly style: Style;
  readonly errStyle: Style;
  readonly env: NodeJS.ProcessEnv;
  readonly interactive: boolean;
  /** The command line asked for --json: errors go to stderr as one JSON line (docs/JSON.md). */
  readonly json?: boolean;
}

export const processIo = (): Io => ({
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  style: makeStyle(colourWanted(process.stdout, process.env)),
  errStyle: makeStyle(colourWanted(process.stderr, process.env)),
  env: process.env,
  interactive: process.stdin.isTTY === true && process.stdout.isTTY === true,
});
