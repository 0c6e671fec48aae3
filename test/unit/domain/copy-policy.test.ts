import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { copyShortfall } from '../../../domain/set/copy-policy';

describe('copy policy: what a set asks of each job', () => {
  it('too few places is TOO_FEW_COPIES, naming how many of how many', () => {
    assert.deepEqual(copyShortfall(2, ['library']), { problem: 'TOO_FEW_COPIES', copies: 1, required: 2 });
    assert.deepEqual(copyShortfall(3, []), { problem: 'TOO_FEW_COPIES', copies: 0, required: 3 });
  });

  it('enough places all in one location is ONE_PLACE; in two locations, nothing', () => {
    assert.deepEqual(copyShortfall(2, ['library', 'library']), { problem: 'ONE_PLACE', copies: 2, required: 2 });
    assert.equal(copyShortfall(2, ['library', 'Vault B']), undefined);
    assert.equal(copyShortfall(1, ['library']), undefined, 'one copy asked for: one place is all it asks');
  });

  it('flags exactly the jobs short of copies or kept in one place', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.array(fc.constantFrom('library', 'shelf', 'Vault B'), { maxLength: 6 }), (required, places) => {
        const flag = copyShortfall(required, places);
        const short = places.length < required;
        const onePlace = !short && required >= 2 && new Set(places).size === 1;
        assert.equal(flag?.problem, short ? 'TOO_FEW_COPIES' : onePlace ? 'ONE_PLACE' : undefined);
      }),
    );
  });
});
