import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { CURRENT_SCHEMA, decodeDomainEvent } from '../../domain/events';
import { JobId } from '../../domain/ids';
import { jobDecider } from '../../domain/job/job';
import { TapeId } from '../../domain/tape-id';

const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`));
/** UUIDv7 text, as job ids are. */
const jobIdArb = fc
  .tuple(hex(8), hex(4), hex(3), fc.constantFrom('8', '9', 'a', 'b'), hex(3), hex(12))
  .map(([a, b, c, v, d, e]) => `${a}-${b}-7${c}-${v}${d}-${e}`)
  .filter((s) => JobId.is(s));
const tapeIdArb = fc
  .tuple(fc.stringMatching(/^[0-9A-Z]{6}$/), fc.constantFrom('L5', 'L6', 'L7', 'M8', 'L8', 'L9'))
  .map(([serial, media]) => `${serial}${media}`)
  .filter((s) => TapeId.is(s) && !s.startsWith('CLN'));

describe('COPY jobs: JobStarted.copyOf, property', () => {
  it('a started copy names its original exactly, and the event reads back through JSON as it was written', () => {
    fc.assert(
      fc.property(jobIdArb, tapeIdArb, jobIdArb, tapeIdArb, (job, tape, original, originalTape) => {
        const started = jobDecider.decide(
          {
            type: 'StartJob',
            job: job as JobId,
            tape: tape as TapeId,
            jobType: 'COPY',
            encrypted: false,
            copyOf: { job: original as JobId, tape: originalTape as TapeId },
          },
          jobDecider.initialState,
        );
        assert.ok(E.isRight(started));
        const [event] = started.right;
        assert.ok(event?.type === 'JobStarted');
        assert.deepEqual(event.data.copyOf, { job: original, tape: originalTape });
        const read = decodeDomainEvent('JobStarted', CURRENT_SCHEMA.JobStarted, JSON.parse(JSON.stringify(event.data)));
        assert.deepEqual(read, E.right(event));
      }),
    );
  });

  it('a copyOf that is not {job, tape} is refused, naming the field', () => {
    fc.assert(
      fc.property(jobIdArb, tapeIdArb, fc.oneof(fc.string(), fc.constant(null), fc.record({ job: fc.string() })), (job, tape, bad) => {
        const read = decodeDomainEvent('JobStarted', 1, { job, tape, type: 'COPY', encrypted: false, copyOf: bad });
        assert.ok(E.isLeft(read) && read.left._tag === 'InvalidEventData' && read.left.problems.some((p) => p.startsWith('data.copyOf')), JSON.stringify(read));
      }),
    );
  });
});
