import * as assert from 'node:assert/strict';
import * as E from 'fp-ts/Either';
import { describe, it } from 'node:test';
import type { DomainEvent } from '../../../domain/events';
import { tapeServiceDecider, type TapeServiceCommand } from '../../../domain/tape/tape-service';
import type { TapeId } from '../../../domain/tape-id';
import { isTapeId } from '../../../domain/tape-id';

const tape = (id: string): TapeId => {
  if (!isTapeId(id)) throw new Error(id);
  return id;
};
const TAPE = tape('000012L5');
const NEWER = tape('000013L9');
const initialised = tapeServiceDecider.evolve(tapeServiceDecider.initialState, { type: 'TapeInitialised', data: {} } as DomainEvent);
const decide = (command: TapeServiceCommand, events: readonly DomainEvent[] = []) => tapeServiceDecider.decide(command, events.reduce(tapeServiceDecider.evolve, initialised));
const lost = [{ job: 'j1', files: 3 }];

describe('tape service: retire and migrate', () => {
  it('retires a tape whose jobs all have their copies elsewhere; retiring again records nothing', () => {
    assert.deepEqual(decide({ type: 'RetireTape', tape: TAPE, force: false, unprotected: [] }), E.right([{ type: 'TapeRetired', data: { tape: TAPE, forced: false, lost: [] } }]));
    const retired: DomainEvent = { type: 'TapeRetired', data: { tape: TAPE, forced: false, lost: [] } };
    assert.deepEqual(decide({ type: 'RetireTape', tape: TAPE, force: true, unprotected: lost }, [retired]), E.right([]));
  });

  it('refuses to retire while a job would lose its copies, naming it; --force records what was lost', () => {
    assert.deepEqual(decide({ type: 'RetireTape', tape: TAPE, force: false, unprotected: lost }), E.left({ _tag: 'TapeRetireWouldLose', tape: TAPE, jobs: lost }));
    assert.deepEqual(decide({ type: 'RetireTape', tape: TAPE, force: true, unprotected: lost }), E.right([{ type: 'TapeRetired', data: { tape: TAPE, forced: true, lost } }]));
  });

  it('marks a tape migrated, but not a retired one, and not a tape never initialised', () => {
    assert.deepEqual(decide({ type: 'MarkMigrated', tape: TAPE, to: [NEWER], jobs: 2 }), E.right([{ type: 'TapeMigrated', data: { tape: TAPE, to: [NEWER], jobs: 2 } }]));
    const retired: DomainEvent = { type: 'TapeRetired', data: { tape: TAPE, forced: false, lost: [] } };
    assert.deepEqual(decide({ type: 'MarkMigrated', tape: TAPE, to: [NEWER], jobs: 2 }, [retired]), E.left({ _tag: 'TapeIsRetired', tape: TAPE }));
    assert.deepEqual(tapeServiceDecider.decide({ type: 'MarkMigrated', tape: TAPE, to: [NEWER], jobs: 2 }, tapeServiceDecider.initialState), E.left({ _tag: 'TapeNotInitialised', tape: TAPE }));
  });
});
