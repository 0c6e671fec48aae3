import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { foldEvents, type Decider } from '../../../domain/decider';
import type { DomainError } from '../../../domain/errors';
import { decodeDomainEvent, type DomainEvent } from '../../../domain/events';
import { JobId, VolumeUuid } from '../../../domain/ids';
import { setDecider } from '../../../domain/set/set';
import { CopyCount, Location, SetName } from '../../../domain/set/set-name';
import { tapePlaceDecider } from '../../../domain/set/tape-place';
import { TapeId } from '../../../domain/tape-id';
import { decodeOrThrow } from '../../support/events';

const TAPE = decodeOrThrow(TapeId, '000012L5');
const PHOTOS = decodeOrThrow(SetName, 'photos');
const OTHER = decodeOrThrow(SetName, 'other');
const JOB = decodeOrThrow(JobId, '01900000-0000-7000-8000-000000000001');
const VOLUME = decodeOrThrow(VolumeUuid, '01900000-0000-7000-8000-0000000000aa');

const given = <C, S>(decider: Decider<C, DomainEvent, S, DomainError>, events: readonly DomainEvent[]) => ({
  when: (command: C) => decider.decide(command, foldEvents(decider, events)),
});

const created: DomainEvent = { type: 'SetCreated', data: { set: PHOTOS, copies: 2, description: 'family photos' } };
const initialised: DomainEvent = {
  type: 'TapeInitialised',
  data: { tape: TAPE, generation: 'L5', capacityBytes: 1.5e12, description: '', volumeUuid: VOLUME, format: 'lto-archive/1', encrypted: false, job: JOB },
};
const policy = { set: PHOTOS, copies: 2, description: 'family photos' };
const joined: DomainEvent = { type: 'TapeJoinedSet', data: { tape: TAPE, ...policy } };

describe('set decider', () => {
  it('creates a set with its copy policy; the same again changes nothing, another policy is refused', () => {
    assert.deepEqual(given(setDecider, []).when({ type: 'CreateSet', ...policy }), E.right([created]));
    assert.deepEqual(given(setDecider, [created]).when({ type: 'CreateSet', ...policy }), E.right([]));
    assert.deepEqual(given(setDecider, [created]).when({ type: 'CreateSet', ...policy, copies: 3 }), E.left({ _tag: 'SetExists', set: PHOTOS, copies: 2 }));
  });
});

describe('tape place decider (set and location, on the tape stream)', () => {
  it('a tape joins an existing set once, carrying the policy; joining it again changes nothing', () => {
    assert.deepEqual(given(tapePlaceDecider, [initialised]).when({ type: 'JoinSet', tape: TAPE, set: PHOTOS, policy }), E.right([joined]));
    assert.deepEqual(given(tapePlaceDecider, [initialised, joined]).when({ type: 'JoinSet', tape: TAPE, set: PHOTOS, policy }), E.right([]));
  });

  it('refuses an unknown set, a tape already in another set, and a tape never initialised', () => {
    assert.deepEqual(given(tapePlaceDecider, [initialised]).when({ type: 'JoinSet', tape: TAPE, set: PHOTOS, policy: undefined }), E.left({ _tag: 'SetNotFound', set: PHOTOS }));
    assert.deepEqual(
      given(tapePlaceDecider, [initialised, joined]).when({ type: 'JoinSet', tape: TAPE, set: OTHER, policy: { ...policy, set: OTHER } }),
      E.left({ _tag: 'TapeInOtherSet', tape: TAPE, set: PHOTOS, requested: OTHER }),
    );
    assert.deepEqual(given(tapePlaceDecider, []).when({ type: 'MoveTape', tape: TAPE, location: 'shelf' }), E.left({ _tag: 'TapeNotInitialised', tape: TAPE }));
  });

  it('a tape starts in the library; a move records the new place, a move to where it is changes nothing', () => {
    assert.deepEqual(given(tapePlaceDecider, [initialised]).when({ type: 'MoveTape', tape: TAPE, location: 'library' }), E.right([]));
    const moved: DomainEvent = { type: 'TapeMoved', data: { tape: TAPE, location: 'Vault B' } };
    assert.deepEqual(given(tapePlaceDecider, [initialised]).when({ type: 'MoveTape', tape: TAPE, location: 'Vault B' }), E.right([moved]));
    assert.deepEqual(given(tapePlaceDecider, [initialised, moved]).when({ type: 'MoveTape', tape: TAPE, location: 'Vault B' }), E.right([]));
  });
});

describe('set, join and move events: codecs', () => {
  const setName = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/);
  const location = fc.string({ minLength: 1, maxLength: 60 }).filter((s) => Location.is(s));
  const copies = fc.integer({ min: 1, max: 9 });

  it('every valid event reads back the same after JSON (as from a journal line)', () => {
    fc.assert(
      fc.property(setName, copies, fc.string(), location, (set, n, description, place) => {
        const events = [
          { type: 'SetCreated', data: { set, copies: n, description } },
          { type: 'TapeJoinedSet', data: { tape: TAPE, set, copies: n, description } },
          { type: 'TapeMoved', data: { tape: TAPE, location: place } },
        ];
        for (const event of events) {
          const read = decodeDomainEvent(event.type, 1, JSON.parse(JSON.stringify(event.data)));
          assert.deepEqual(read, E.right(event));
        }
      }),
    );
  });

  it('refuses names that cannot be part of a stream name, copy counts out of 1-9, and blank or padded places', () => {
    for (const bad of ['', '-x', 'a/b', 'a b', 'x'.repeat(41)]) assert.ok(E.isLeft(decodeDomainEvent('SetCreated', 1, { set: bad, copies: 1, description: '' })), bad);
    for (const bad of [0, 10, 1.5, -1]) assert.equal(CopyCount.is(bad), false, String(bad));
    for (const bad of ['', ' shelf', 'shelf ', 'a\nb', 'x'.repeat(61)]) assert.equal(Location.is(bad), false, JSON.stringify(bad));
  });
});
