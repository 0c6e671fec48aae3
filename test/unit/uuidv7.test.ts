import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EventId, JobId } from '../../domain/ids';
import { newUuidV7, uuidV7Millis } from '../../infrastructure/uuid-v7';

const FORM = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const zeros = (size: number): Uint8Array => new Uint8Array(size);
const ones = (size: number): Uint8Array => new Uint8Array(size).fill(0xff);

describe('newUuidV7', () => {
  it('makes a lower-case 8-4-4-4-12 UUID with version 7 and variant 10', () => {
    const id = newUuidV7();
    assert.match(id, FORM);
    assert.ok(EventId.is(id));
    assert.ok(JobId.is(id));
  });

  it('carries the millisecond timestamp in its first 48 bits', () => {
    const ms = Date.UTC(2026, 10, 26, 10, 0, 0, 123);
    const id = newUuidV7(ms, zeros);
    assert.equal(uuidV7Millis(id), ms);
    assert.equal(id, `${ms.toString(16).padStart(12, '0').replace(/^(.{8})/, '$1-')}-7000-8000-000000000000`);
  });

  it('puts the random bits around the version and variant, with the top random bit clear', () => {
    // All-ones randomness: rand_a shows 0x7ff, not 0xfff, leaving room to count up within a millisecond.
    assert.equal(newUuidV7(1, ones), '00000000-0001-77ff-bfff-ffffffffffff');
  });

  it('counts up from the previous id within the same millisecond', () => {
    assert.equal(newUuidV7(3, zeros), '00000000-0003-7000-8000-000000000000');
    assert.equal(newUuidV7(3, zeros), '00000000-0003-7000-8000-000000000001');
  });

  it('sorts ids of later milliseconds after earlier ones', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 47 }), fc.integer({ min: 1, max: 2 ** 40 }), (early, gap) => {
        const first = newUuidV7(early);
        const second = newUuidV7(early + gap);
        assert.ok(first < second, `${first} < ${second}`);
      }),
    );
  });

  it('keeps ids within one millisecond ascending', () => {
    const ms = Date.UTC(2026, 0, 1);
    const ids = Array.from({ length: 1000 }, () => newUuidV7(ms));
    assert.deepEqual([...ids].sort(), ids);
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(ids.every((id) => FORM.test(id) && uuidV7Millis(id) === ms));
  });

  it('refuses a timestamp that does not fit 48 bits', () => {
    assert.throws(() => newUuidV7(-1), RangeError);
    assert.throws(() => newUuidV7(2 ** 48), RangeError);
    assert.throws(() => newUuidV7(1.5), RangeError);
  });
});
