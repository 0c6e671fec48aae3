/**
 * ANSI styling, on only for a terminal that wants it: off when NO_COLOR is set
 * (no-color.org), when the stream is not a TTY, or with TERM=dumb; FORCE_COLOR forces it.
 */
export interface Style {
  readonly enabled: boolean;
  readonly bold: (s: string) => string;
  readonly dim: (s: string) => string;
  readonly red: (s: string) => string;
  readonly green: (s: string) => string;
  readonly yellow: (s: string) => string;
  readonly blue: (s: string) => string;
  readonly cyan: (s: string) => string;
  readonly magenta: (s: string) => string;
  /** Text in a `#rrggbb` colour (24-bit ANSI); plain when colour is off or the colour is not `#rrggbb`. */
  readonly rgb: (hex: string, s: string) => string;
}

export const colourWanted = (stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean => {
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  const force = env['FORCE_COLOR'];
  if (force !== undefined && force !== '' && force !== '0') return true;
  return stream.isTTY === true && env['TERM'] !== 'dumb';
};

const wrap = (on: boolean, open: number, close: number) => (s: string) => (on ? `\u001b[${open}m${s}\u001b[${close}m` : s);

export const makeStyle = (enabled: boolean): Style => ({
  enabled,
  bold: wrap(enabled, 1, 22),
  dim: wrap(enabled, 2, 22),
  red: wrap(enabled, 31, 39),
  green: wrap(enabled, 32, 39),
  yellow: wrap(enabled, 33, 39),
  blue: wrap(enabled, 34, 39),
  magenta: wrap(enabled, 35, 39),
  cyan: wrap(enabled, 36, 39),
  rgb: (hex, s) => {
    const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
    if (!enabled || m === null) return s;
    return `\u001b[38;2;${parseInt(m[1] ?? '0', 16)};${parseInt(m[2] ?? '0', 16)};${parseInt(m[3] ?? '0', 16)}m${s}\u001b[39m`;
  },
});

const ANSI = /\u001b\[[0-9;]*m/g;
export const visibleLength = (s: string): number => [...s.replace(ANSI, '')].length;
