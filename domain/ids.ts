import * as t from 'io-ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface EventIdBrand {
  readonly EventId: unique symbol;
}
/** Globally unique (UUIDv7), so catalogs recovered from different tapes merge. */
export const EventId = t.brand(t.string, (s): s is t.Branded<string, EventIdBrand> => UUID.test(s), 'EventId');
export type EventId = t.TypeOf<typeof EventId>;

interface JobIdBrand {
  readonly JobId: unique symbol;
}
/** Globally unique (UUIDv7): also the folder name of a job's segments on tape. */
export const JobId = t.brand(t.string, (s): s is t.Branded<string, JobIdBrand> => UUID.test(s), 'JobId');
export type JobId = t.TypeOf<typeof JobId>;

interface VolumeUuidBrand {
  readonly VolumeUuid: unique symbol;
}
/** Identity of one initialised cartridge: tells two cartridges with the same barcode apart. */
export const VolumeUuid = t.brand(t.string, (s): s is t.Branded<string, VolumeUuidBrand> => UUID.test(s), 'VolumeUuid');
export type VolumeUuid = t.TypeOf<typeof VolumeUuid>;

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

const daysIn = (year: number, month: number): number =>
  month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;

/** Calendar-checked: Date.parse would roll 2026-02-31 over to March instead of refusing it. */
const isRealInstant = (s: string): boolean => {
  const [year, month, day, hour, minute, second] = [s.slice(0, 4), s.slice(5, 7), s.slice(8, 10), s.slice(11, 13), s.slice(14, 16), s.slice(17, 19)].map(Number);
  if (year === undefined || month === undefined || day === undefined) return false;
  return month >= 1 && month <= 12 && day >= 1 && day <= daysIn(year, month) && (hour ?? 99) < 24 && (minute ?? 99) < 60 && (second ?? 99) < 60;
};

/**
 * A codec whose static type stays the plain base type but whose decode also checks
 * `valid`: for values that are merely constrained (counts, times), where a brand
 * would only add casts at every construction.
 */
export const checked = <A>(name: string, base: t.Type<A>, valid: (a: A) => boolean): t.Type<A> =>
  new t.Type<A>(
    name,
    (u): u is A => base.is(u) && valid(u),
    (u, c) => (base.is(u) && valid(u) ? t.success(u) : t.failure(u, c)),
    t.identity,
  );

/** A UTC instant as ISO 8601 text (what `Date.prototype.toISOString` gives). */
export const IsoTime = checked('IsoTime', t.string, (s) => ISO.test(s) && isRealInstant(s));
export type IsoTime = t.TypeOf<typeof IsoTime>;

/** A count or a size in bytes: a safe non-negative integer. */
export const Count = checked('Count', t.number, (n) => Number.isSafeInteger(n) && n >= 0);

/** A column or field that may be null (SQLite NULLs). */
export const nullable = <C extends t.Mixed>(codec: C) => t.union([codec, t.null]);
