import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { CURRENT_SCHEMA, decodeDomainEvent } from '../../domain/events';
import { tapeServiceDecider } from '../../domain/tape/tape-service';
import { TapeId } from '../../domain/tape-id';

const tapeIdArb = fc
  .tuple(fc.stringMatching(/^[0-9A-Z]{6}$/), fc.constantFrom('L5', 'L6', 'L7', 'M8', 'L8', 'L9', 'LA', 'PA'))
  .map(([serial, media]) => `${serial}${media}`)
  .filter((s): s is TapeId => TapeId.is(s) && !s.startsWith('CLN'));
const unprotectedArb = fc.array(fc.record({ job: fc.uuid(), files: fc.nat() }).map((r) => ({ job: r.job, files: r.files })), { maxLength: 5 });
const initialised = tapeServiceDecider.evolve(tapeServiceDecider.initialState, {
  type: 'TapeInitialised',
  data: { tape: '000012L5', generation: 'L5', capacityBytes: 1, description: '', volumeUuid: '01900000-0000-7000-8000-000000000001', format: 'lto-archive/1', encrypted: false, job: '01900000-0000-7000-8000-000000000002' },
} as never);

describe('TapeRetired and TapeMigrated, property', () => {
  it('a retirement or migration decided reads back through JSON as it was written', () => {
    fc.assert(
      fc.property(tapeIdArb, fc.boolean(), unprotectedArb, fc.array(tapeIdArb, { maxLength: 4 }), fc.nat(), (tape, force, unprotected, to, jobs) => {
        const retired = tapeServiceDecider.decide({ type: 'RetireTape', tape, force, unprotected }, initialised);
        if (unprotected.length > 0 && !force) assert.deepEqual(retired, E.left({ _tag: 'TapeRetireWouldLose', tape, jobs: unprotected }));
        const migrated = tapeServiceDecider.decide({ type: 'MarkMigrated', tape, to, jobs }, initialised);
        for (const decided of [retired, migrated]) {
          if (E.isLeft(decided)) continue;
          for (const event of decided.right) assert.deepEqual(decodeDomainEvent(event.type, CURRENT_SCHEMA[event.type], JSON.parse(JSON.stringify(event.data))), E.right(event));
        }
      }),
    );
  });

  it('a malformed one is refused, naming the field', () => {
    fc.assert(
      fc.property(tapeIdArb, fc.oneof(fc.string(), fc.constant(null), fc.array(fc.string({ maxLength: 3 }), { minLength: 1 })), (tape, bad) => {
        const read = decodeDomainEvent('TapeMigrated', 1, { tape, to: bad, jobs: 1 });
        assert.ok(E.isLeft(read) && read.left._tag === 'InvalidEventData' && read.left.problems.some((p) => p.startsWith('data.to')), JSON.stringify(read));
        const lost = decodeDomainEvent('TapeRetired', 1, { tape, forced: true, lost: bad });
        assert.ok(E.isLeft(lost) && lost.left._tag === 'InvalidEventData' && lost.left.problems.some((p) => p.startsWith('data.lost')), JSON.stringify(lost));
      }),
    );
  });
});
