const UNITS: Record<string, number> = { '': 1, b: 1, k: 1e3, kb: 1e3, kib: 1024, m: 1e6, mb: 1e6, mib: 1024 ** 2, g: 1e9, gb: 1e9, gib: 1024 ** 3, t: 1e12, tb: 1e12, tib: 1024 ** 4 };

/** `1GiB`, `200MB`, `4096` → bytes; undefined when it is not a size. */
export const parseSize = (text: string): number | undefined => {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (m === null) return undefined;
  const unit = UNITS[(m[2] ?? '').toLowerCase()];
  if (unit === undefined) return undefined;
  const bytes = Math.round(Number(m[1]) * unit);
  return bytes > 0 ? bytes : undefined;
};

/** commander accumulator for a repeatable option (`--exclude A --exclude B`). */
export const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** A whole number >= 1 given for an option, or the error that says what was expected. */
export const parseCount = (
  option: string,
  text: string,
): { readonly _tag: 'Right'; readonly right: number } | { readonly _tag: 'Left'; readonly left: { readonly _tag: 'InvalidOption'; readonly option: string; readonly value: string; readonly expected: string } } => {
  const n = Number(text);
  return /^\d+$/.test(text.trim()) && n >= 1 && Number.isSafeInteger(n)
    ? { _tag: 'Right', right: n }
    : { _tag: 'Left', left: { _tag: 'InvalidOption', option, value: text, expected: 'a whole number, 1 or more' } };
};

const AGO_UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/**
 * `--since`: an age (`30m`, `12h`, `7d`, `2w`) or an ISO 8601 date or time
 * (`2026-12-01`, `2026-12-01T08:00:00Z`; a date alone is midnight UTC) → ms since 1970.
 */
export const parseSince = (text: string, nowMs: number): number | undefined => {
  const trimmed = text.trim();
  const ago = /^(\d+)\s*([mhdw])$/i.exec(trimmed);
  if (ago !== null) return nowMs - Number(ago[1]) * (AGO_UNITS[(ago[2] ?? '').toLowerCase()] ?? 0);
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(trimmed)) return undefined;
  const ms = Date.parse(trimmed.length === 10 ? `${trimmed}T00:00:00Z` : trimmed);
  return Number.isNaN(ms) ? undefined : ms;
};
