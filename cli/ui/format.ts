const UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];

/** Decimal units, as tape capacities are sold (1 TB = 10^12 bytes). */
export const formatBytes = (bytes: number): string => {
  if (bytes < 1000) return `${bytes} B`;
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${UNITS[unit]}`;
};

export const formatPercent = (part: number, whole: number): string =>
  whole <= 0 ? '-' : `${((100 * part) / whole).toFixed(part > 0 && part / whole < 0.001 ? 3 : 1)}%`;

/** `2026-11-26 12:24:43` in UTC: what logs and tape labels are compared against. */
export const formatTime = (iso: string | null | undefined): string =>
  iso === null || iso === undefined || iso === '' ? '-' : iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z').replace('Z', '');

export const formatDuration = (ms: number): string => {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - 60 * m)} s`;
};

/** A job id as people read it: its last 8 hex digits (the random part of a UUIDv7). */
export const shortId = (id: string): string => id.replace(/-/g, '').slice(-8);

const two = (n: number): string => String(n).padStart(2, '0');

/** `2026-11-26 13:24 +01:00`: local time with its zone offset, for people at the drive. */
export const formatLocalTime = (iso: string | null | undefined, seconds = false): string => {
  if (iso === null || iso === undefined || iso === '') return '-';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const offset = -d.getTimezoneOffset();
  const zone = `${offset >= 0 ? '+' : '-'}${two(Math.floor(Math.abs(offset) / 60))}:${two(Math.abs(offset) % 60)}`;
  const time = `${two(d.getHours())}:${two(d.getMinutes())}${seconds ? `:${two(d.getSeconds())}` : ''}`;
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${time} ${zone}`;
};
