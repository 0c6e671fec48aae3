import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { journalEventProblem } from '../../application/tape-session';
import { EventEnvelope } from '../../domain/envelope';
import { TapeId } from '../../domain/tape-id';
import { decodeOrThrow } from '../support/events';

const TAPE = decodeOrThrow(TapeId, '000012L5');

const envelope = (stream: string, type: string, data: unknown): EventEnvelope =>
  decodeOrThrow(EventEnvelope, { id: '01900000-0000-7000-8000-000000000001', stream, version: 1, type, schema: 1, at: '2026-12-01T00:00:00.000Z', data });

describe('set and location events read from a journal (a hostile or mixed-up tape)', () => {
  it('takes this tape\'s join and move', () => {
    assert.equal(journalEventProblem(TAPE, envelope('tape-000012L5', 'TapeJoinedSet', { tape: TAPE, set: 'photos', copies: 2, description: '' })), undefined);
    assert.equal(journalEventProblem(TAPE, envelope('tape-000012L5', 'TapeMoved', { tape: TAPE, location: 'Vault B' })), undefined);
  });

  it('refuses a set definition (local catalog only) and a join or move that names another tape', () => {
    assert.match(journalEventProblem(TAPE, envelope('set-photos', 'SetCreated', { set: 'photos', copies: 2, description: '' })) ?? '', /local catalog event/);
    assert.match(journalEventProblem(TAPE, envelope('tape-000012L5', 'TapeJoinedSet', { tape: '000013L5', set: 'photos', copies: 2, description: '' })) ?? '', /names tape 000013L5/);
    assert.match(journalEventProblem(TAPE, envelope('tape-000012L5', 'TapeMoved', { tape: '000013L5', location: 'shelf' })) ?? '', /names tape 000013L5/);
    assert.match(journalEventProblem(TAPE, envelope('tape-000012L5', 'TapeMoved', { tape: TAPE, location: ' ' })) ?? '', /does not decode/);
  });
});

describe('retirement and migration events read from a journal', () => {
  it("takes this tape's retirement and migration, and refuses one that names another tape", () => {
    assert.equal(journalEventProblem(TAPE, envelope('tape-000012L5', 'TapeRetired', { tape: TAPE, forced: true, lost: [{ job: 'j', files: 3 }] })), undefined);
    assert.equal(journalEventProblem(TAPE, envelope('tape-000012L5', 'TapeMigrated', { tape: TAPE, to: ['000101L9'], jobs: 2 })), undefined);
    assert.match(journalEventProblem(TAPE, envelope('tape-000012L5', 'TapeRetired', { tape: '000013L5', forced: false, lost: [] })) ?? '', /names tape 000013L5/);
    assert.match(journalEventProblem(TAPE, envelope('tape-000012L5', 'TapeMigrated', { tape: '000013L5', to: [], jobs: 0 })) ?? '', /names tape 000013L5/);
    assert.match(journalEventProblem(TAPE, envelope('tape-000012L5', 'TapeMigrated', { tape: TAPE, to: ['BAD'], jobs: 0 })) ?? '', /does not decode/);
  });
});
