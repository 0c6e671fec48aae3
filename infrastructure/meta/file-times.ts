import * as fs from 'node:fs';
import { nativeFileMeta } from './native-file-meta';
import { osPath } from '../os-path';

/**
 * Sets a path's modification (and access) time to a time in nanoseconds, without
 * following a symlink. Through the optional native addon (native/file-meta:
 * utimensat(2)) the time is exact, before 1970 too. Without it, fs.lutimes takes the
 * seconds as text (a negative number would become "now"), to the microsecond:
 * `exactTimes` says which, for the one note a restore prints.
 */
const NS = 1_000_000_000n;

const nativeUtimens = nativeFileMeta?.utimens;

/** Whether times are set to the nanosecond (the addon is there) or to the microsecond. */
export const exactTimes = nativeUtimens !== undefined;

/** Seconds (rounded towards minus infinity) and the nanoseconds after them. */
export const splitNs = (ns: bigint): { seconds: bigint; nanoseconds: number } => {
  const rest = ((ns % NS) + NS) % NS;
  return { seconds: (ns - rest) / NS, nanoseconds: Number(rest) };
};

/**
 * The time, floored to the microsecond, as the decimal text fs.lutimes reads as a
 * number (a negative number would be "now"; numeric text passes as it is). libuv
 * truncates the fraction towards zero to whole microseconds, so the text aims at the
 * middle of the microsecond, away from zero: a double's error (about 240 ns at 2^31 s)
 * then never moves the result to the next microsecond.
 */
const microsecondText = (ns: bigint): string => {
  const us = ns >= 0n ? ns / 1000n : -((-ns + 999n) / 1000n);
  const abs = us < 0n ? -us : us;
  return `${us < 0n ? '-' : ''}${abs / 1_000_000n}.${(abs % 1_000_000n).toString().padStart(6, '0')}5`;
};

/** Sets atime and mtime of `p` (a symlink itself, never followed) to `ns`. Throws the errno error. */
export const setTimes = (p: string, ns: bigint): void => {
  if (nativeUtimens !== undefined) {
    const { seconds, nanoseconds } = splitNs(ns);
    nativeUtimens(osPath(p), seconds, nanoseconds);
    return;
  }
  // A numeric string passes Node's time check as it is (a negative number would be taken as "now").
  const text = microsecondText(ns);
  fs.lutimesSync(osPath(p), text, text);
};

/** True when the time needs `setTimes` after a microsecond setter: nanoseconds, or before 1970. */
export const needsExactTimes = (ns: bigint): boolean => ns < 0n || ns % 1000n !== 0n;
