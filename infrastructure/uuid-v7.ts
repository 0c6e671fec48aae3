import { randomBytes } from 'node:crypto';

/** Where the random bits come from (injected by tests). */
export type RandomBytes = (size: number) => Uint8Array;

const MAX_MS = 2 ** 48 - 1;
/** rand_a (12 bits) and rand_b (62 bits) read as one number. */
const RANDOM_BITS = 74n;
const RANDOM_LIMIT = 1n << RANDOM_BITS;
const RAND_B_BITS = 62n;
const RAND_B_MASK = (1n << RAND_B_BITS) - 1n;
const VARIANT_10 = 1n << 63n;

/** The last id's clock and random part, so ids minted within one millisecond still ascend. */
let last = { ms: -1, random: 0n };

/**
 * A UUIDv7 (RFC 9562): 48-bit Unix milliseconds, version 7, variant 10, 74 random
 * bits, lower-case. Ids sort by creation time, which keeps the events table's unique
 * index appending at its end. Within one millisecond the random part of the previous
 * id is incremented (RFC 9562 §6.2, method 3), so ids of one process stay ascending;
 * a fresh random part starts with its top bit clear to leave room for that. A clock
 * that steps back is not hidden: the id carries the time it was given.
 */
export const newUuidV7 = (nowMs: number = Date.now(), random: RandomBytes = randomBytes): string => {
  if (!Number.isSafeInteger(nowMs) || nowMs < 0 || nowMs > MAX_MS) throw new RangeError(`${nowMs} is not a UUIDv7 timestamp`);
  const next = last.ms === nowMs ? last.random + 1n : freshRandom(random);
  // Overflow after 2^73 ids in one millisecond cannot happen; fall back to fresh bits if it did.
  const bits = next < RANDOM_LIMIT ? next : freshRandom(random);
  last = { ms: nowMs, random: bits };
  return format(nowMs, bits);
};

const freshRandom = (random: RandomBytes): bigint => {
  const bytes = random(10);
  if (bytes.length < 10) throw new RangeError('the random source gave fewer than 10 bytes');
  const eighty = BigInt(`0x${Buffer.from(bytes.subarray(0, 10)).toString('hex')}`);
  return (eighty >> 6n) & (RANDOM_LIMIT / 2n - 1n);
};

/** ms (48) || ver 0111 (4) || rand_a (12) || var 10 (2) || rand_b (62), as 8-4-4-4-12 hex. */
const format = (ms: number, bits: bigint): string => {
  const randA = bits >> RAND_B_BITS;
  const tail = VARIANT_10 | (bits & RAND_B_MASK);
  const hex = ms.toString(16).padStart(12, '0') + '7' + randA.toString(16).padStart(3, '0') + tail.toString(16).padStart(16, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

/** The millisecond timestamp a UUIDv7 carries (for diagnostics and tests). */
export const uuidV7Millis = (id: string): number => Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16);
