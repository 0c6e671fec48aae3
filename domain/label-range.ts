import * as E from 'fp-ts/Either';
import { parseBarcode, isTapeId, type TapeId } from './tape-id';

/** More labels than this in one run is almost surely a typo in the range, not a wish. */
export const MAX_LABELS_PER_RUN = 2000;

export type LabelRangeProblem =
  | { readonly _tag: 'LabelRangeInvalid'; readonly first: string; readonly last: string; readonly reason: string }
  | { readonly _tag: 'LabelRangeTooLarge'; readonly first: string; readonly last: string; readonly count: number; readonly max: number };

/** A serial split into the part that stays and the digits at its end that count up. */
interface CountingSerial {
  readonly head: string;
  readonly digits: string;
}

const countingPart = (serial: string): CountingSerial => {
  const match = /^(.*?)(\d*)$/.exec(serial);
  return { head: match?.[1] ?? serial, digits: match?.[2] ?? '' };
};

/**
 * The tape ids from `first` to `last`, both included, as a label printer's "range" means
 * it: the digits at the end of the volume serial count up, the rest (letters before them
 * and the media code) stays. `000100L9`..`000119L9` is 20 ids; `ABC098L8`..`ABC102L8` 5.
 */
export const labelRange = (first: TapeId, last: TapeId): E.Either<LabelRangeProblem, readonly TapeId[]> => {
  const invalid = (reason: string) => E.left<LabelRangeProblem>({ _tag: 'LabelRangeInvalid', first, last, reason });
  const a = parseBarcode(first);
  const b = parseBarcode(last);
  if (E.isLeft(a) || E.isLeft(b)) return invalid('both ends must be tape ids');
  if (a.right.mediaCode !== b.right.mediaCode) return invalid(`the media codes differ (${a.right.mediaCode}, ${b.right.mediaCode})`);
  const from = countingPart(a.right.serial);
  const to = countingPart(b.right.serial);
  if (from.head !== to.head || from.digits.length !== to.digits.length || from.digits === '') {
    return invalid('only the digits at the end of the volume serial may differ');
  }
  const start = Number(from.digits);
  const end = Number(to.digits);
  if (end < start) return invalid('the first id comes after the last');
  const count = end - start + 1;
  if (count > MAX_LABELS_PER_RUN) return E.left({ _tag: 'LabelRangeTooLarge', first, last, count, max: MAX_LABELS_PER_RUN });
  const ids: TapeId[] = [];
  for (let n = start; n <= end; n += 1) {
    const id = `${from.head}${String(n).padStart(from.digits.length, '0')}${a.right.mediaCode}`;
    if (isTapeId(id)) ids.push(id);
  }
  return E.right(ids);
};
