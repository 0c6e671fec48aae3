import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as E from 'fp-ts/Either';
import { MAX_LABELS_PER_RUN, labelRange } from '../../../domain/label-range';
import { tapeId } from '../../support/store-fixtures';

const ids = (first: string, last: string) => labelRange(tapeId(first), tapeId(last));

const reason = (first: string, last: string): string => {
  const range = ids(first, last);
  if (E.isRight(range) || range.left._tag !== 'LabelRangeInvalid') throw new Error(`${first}..${last} was not refused as invalid`);
  return range.left.reason;
};

describe('label ranges', () => {
  it('counts up the digits of the serial, both ends included, keeping the zeros', () => {
    assert.deepEqual(ids('000098L9', '000102L9'), E.right(['000098L9', '000099L9', '000100L9', '000101L9', '000102L9']));
  });

  it('keeps the letters before the digits and the media code as they are', () => {
    assert.deepEqual(ids('ABC998L8', 'ABC999L8'), E.right(['ABC998L8', 'ABC999L8']));
    assert.deepEqual(ids('000009LA', '000010LA'), E.right(['000009LA', '000010LA']));
  });

  it('is one label when both ends are the same id', () => {
    assert.deepEqual(ids('000100L9', '000100L9'), E.right(['000100L9']));
  });

  it('refuses ends that are not one range, saying why', () => {
    assert.equal(reason('000100L9', '000119L8'), 'the media codes differ (L9, L8)');
    assert.equal(reason('ABC100L9', 'ABD100L9'), 'only the digits at the end of the volume serial may differ');
    assert.equal(reason('ABCDEFL9', 'ABCDEFL9'), 'only the digits at the end of the volume serial may differ');
    assert.equal(reason('000119L9', '000100L9'), 'the first id comes after the last');
  });

  it('refuses a range too large to be meant, with its size', () => {
    const range = ids('000000L9', '999999L9');
    assert.deepEqual(range, E.left({ _tag: 'LabelRangeTooLarge', first: '000000L9', last: '999999L9', count: 1_000_000, max: MAX_LABELS_PER_RUN }));
  });
});
