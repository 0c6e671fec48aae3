import * as crypto from 'node:crypto';
import * as E from 'fp-ts/Either';
import { EventEnvelope } from '../../domain/envelope';
import { describeErrors } from '../../domain/events';

/**
 * One journal record line (format lto-archive/1, docs/FORMAT.md):
 *
 *   P    = '{"seq":' || N || ',"prev":"' || PREV || '","event":' || ENVELOPE
 *   line = P || ',"sum":"' || hex(sha256(P)) || '"}'
 *
 * followed by one LF. `prev` is the SHA-256 of the previous line (without its LF),
 * or of the bytes of volume.json for the first record.
 */

/** Where the file lives inside `LTO-ARCHIVE/`. */
export const JOURNAL_FILE = 'journal.ndjson';

export const LF = 0x0a;

/** The longest line a reader accepts: longer is damage (or hostile), never allocated whole. */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

const SUM_OPEN = Buffer.from(',"sum":"', 'latin1');
const SUM_CLOSE = Buffer.from('"}', 'latin1');
/** `,"sum":"` || 64 hex || `"}` */
export const SUM_SUFFIX_BYTES = SUM_OPEN.length + 64 + SUM_CLOSE.length;

const PREFIX = /^\{"seq":([1-9][0-9]{0,15}),"prev":"([0-9a-f]{64})","event":/;
/** Enough bytes to hold the whole prefix: 7 + 16 + 9 + 64 + 10. */
const PREFIX_MAX_BYTES = 120;
const HEX64 = /^[0-9a-f]{64}$/;

/** `crypto.hash` (Node >= 20.12) is a one-shot digest, faster than a Hash object per line. */
const oneShot: ((algorithm: string, data: Uint8Array | string, encoding: 'hex') => string) | undefined =
  'hash' in crypto && typeof crypto.hash === 'function' ? crypto.hash : undefined;

export const sha256Hex = (bytes: Uint8Array | string): string =>
  oneShot !== undefined ? oneShot('sha256', bytes, 'hex') : crypto.createHash('sha256').update(bytes).digest('hex');

export const isSha256Hex = (s: string): boolean => HEX64.test(s);

/** A journal head: the last valid record's seq and the hash of its line (seq 0 and the label's hash when empty). */
export interface JournalHead {
  readonly seq: number;
  readonly hash: string;
}

/** What one line says about itself, before its place in the chain is checked. */
export type LineVerdict =
  | {
      readonly _tag: 'Record';
      readonly seq: number;
      readonly prev: string;
      /** SHA-256 of the whole line: what the next record's `prev` must be. */
      readonly hash: string;
      /** Right when the event decodes as an EventEnvelope; else the problems. */
      readonly event: { readonly ok: true; readonly envelope: EventEnvelope } | { readonly ok: false; readonly problems: readonly string[] };
    }
  | { readonly _tag: 'Unverified'; readonly kind: 'undecodable' | 'checksum'; readonly detail: string };

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const undecodable = (detail: string): LineVerdict => ({ _tag: 'Unverified', kind: 'undecodable', detail });

/**
 * Checks one line (without its LF) on its own: shape, sum, record fields, envelope.
 * Pure and total: never throws, whatever the bytes.
 */
export const verifyLine = (bytes: Buffer): LineVerdict => {
  if (bytes.length === 0) return undecodable('empty line');
  if (bytes.length > MAX_LINE_BYTES) return undecodable(`line of ${bytes.length} bytes is longer than ${MAX_LINE_BYTES}`);
  const sumAt = bytes.length - SUM_SUFFIX_BYTES;
  if (
    sumAt < 1 ||
    !bytes.subarray(sumAt, sumAt + SUM_OPEN.length).equals(SUM_OPEN) ||
    !bytes.subarray(bytes.length - SUM_CLOSE.length).equals(SUM_CLOSE)
  ) {
    return undecodable('no ,"sum":"<64 hex>"} at the end of the line');
  }
  const body = bytes.subarray(0, sumAt);
  const sum = bytes.subarray(sumAt + SUM_OPEN.length, bytes.length - SUM_CLOSE.length);
  if (!sum.equals(Buffer.from(sha256Hex(body), 'latin1'))) {
    return HEX64.test(sum.toString('latin1'))
      ? { _tag: 'Unverified', kind: 'checksum', detail: 'the sum does not match the line' }
      : undecodable('the sum is not 64 lowercase hex digits');
  }
  const prefix = PREFIX.exec(body.subarray(0, PREFIX_MAX_BYTES).toString('latin1'));
  if (prefix === null || prefix[1] === undefined || prefix[2] === undefined) {
    return undecodable('the line does not start with {"seq":N,"prev":"<64 hex>","event":');
  }
  const seq = Number(prefix[1]);
  if (!Number.isSafeInteger(seq)) return undecodable(`seq ${prefix[1]} is too large`);
  const event = decodeEventJson(body.subarray(prefix[0].length));
  if (event === undefined) return undecodable('the event is not one JSON value in UTF-8');
  return { _tag: 'Record', seq, prev: prefix[2], hash: sha256Hex(bytes), event };
};

type EventVerdict = Extract<LineVerdict, { _tag: 'Record' }>['event'];

const decodeEventJson = (bytes: Buffer): EventVerdict | undefined => {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(bytes));
  } catch {
    return undefined;
  }
  const decoded = EventEnvelope.decode(value);
  if (decoded._tag === 'Left') return { ok: false, problems: describeErrors(decoded.left) };
  if (!Object.prototype.hasOwnProperty.call(decoded.right, 'data')) return { ok: false, problems: ['data: expected a value, got nothing'] };
  return { ok: true, envelope: decoded.right };
};

/** The envelope as JSON with its keys in the order of format 1: id, stream, version, type, schema, at, data, meta. */
export const serializeEnvelope = (envelope: EventEnvelope): string =>
  JSON.stringify({
    id: envelope.id,
    stream: envelope.stream,
    version: envelope.version,
    type: envelope.type,
    schema: envelope.schema,
    at: envelope.at,
    data: envelope.data,
    ...(envelope.meta === undefined ? {} : { meta: envelope.meta }),
  });

export interface EncodedRecord {
  /** The line without its LF. */
  readonly line: Buffer;
  /** SHA-256 of `line`: the next record's `prev`. */
  readonly hash: string;
}

/**
 * Builds the line of record `seq` chained to `prev`. Left (the problems) when the
 * envelope cannot be written so that it reads back: not an EventEnvelope, no `data`,
 * data that JSON cannot hold (BigInt, cycles).
 */
export const encodeRecord = (seq: number, prev: string, envelope: EventEnvelope): E.Either<readonly string[], EncodedRecord> => {
  if (!Number.isSafeInteger(seq) || seq < 1) return E.left([`seq ${seq} is not a positive integer`]);
  if (!HEX64.test(prev)) return E.left([`prev ${JSON.stringify(prev)} is not 64 lowercase hex digits`]);
  const valid = EventEnvelope.decode(envelope);
  if (E.isLeft(valid)) return E.left(describeErrors(valid.left));
  if (envelope.data === undefined) return E.left(['data: expected a JSON value, got nothing']);
  let json: string;
  try {
    json = serializeEnvelope(envelope);
  } catch (error) {
    return E.left([`the event is not JSON: ${error instanceof Error ? error.message : String(error)}`]);
  }
  const body = Buffer.from(`{"seq":${seq},"prev":"${prev}","event":${json}`, 'utf8');
  const line = Buffer.concat([body, SUM_OPEN, Buffer.from(sha256Hex(body), 'latin1'), SUM_CLOSE]);
  // Read it back as a reader will: what is written must verify and decode.
  const check = verifyLine(line);
  if (check._tag !== 'Record') return E.left([check.detail]);
  if (!check.event.ok) return E.left(check.event.problems);
  return E.right({ line, hash: check.hash });
};
