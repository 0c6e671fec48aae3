import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as E from 'fp-ts/Either';
import { foldEvents, type Decider } from '../../../domain/decider';
import type { DomainError } from '../../../domain/errors';
import type { DomainEvent } from '../../../domain/events';
import { JobId, VolumeUuid } from '../../../domain/ids';
import { labelDecider } from '../../../domain/label/label';
import { Colour, LabelName, normaliseColour } from '../../../domain/label/label-name';
import { tapeLabelsDecider } from '../../../domain/label/tape-labels';
import { TapeId } from '../../../domain/tape-id';
import { decodeOrThrow } from '../../support/events';

const TAPE = decodeOrThrow(TapeId, '000012L5');
const ARCHIVE = decodeOrThrow(LabelName, 'archive');
const ORANGE = decodeOrThrow(Colour, '#ff8800');
const JOB = decodeOrThrow(JobId, '01900000-0000-7000-8000-000000000001');
const VOLUME = decodeOrThrow(VolumeUuid, '01900000-0000-7000-8000-0000000000aa');

const given = <C, S>(decider: Decider<C, DomainEvent, S, DomainError>, events: readonly DomainEvent[]) => ({
  when: (command: C) => decider.decide(command, foldEvents(decider, events)),
});

const created: DomainEvent = { type: 'LabelCreated', data: { label: ARCHIVE, color: ORANGE } };
const initialised: DomainEvent = {
  type: 'TapeInitialised',
  data: { tape: TAPE, generation: 'L5', capacityBytes: 1.5e12, description: '', volumeUuid: VOLUME, format: 'lto-archive/1', encrypted: false, job: JOB },
};
const labelled: DomainEvent = { type: 'TapeLabelled', data: { tape: TAPE, label: ARCHIVE, color: ORANGE } };
const defined = foldEvents(labelDecider, [created]);

describe('label decider', () => {
  it('creates a new label, and again after it was deleted', () => {
    assert.deepEqual(given(labelDecider, []).when({ type: 'CreateLabel', label: ARCHIVE, color: ORANGE }), E.right([created]));
    const deleted: DomainEvent = { type: 'LabelDeleted', data: { label: ARCHIVE } };
    assert.deepEqual(given(labelDecider, [created, deleted]).when({ type: 'CreateLabel', label: ARCHIVE, color: ORANGE }), E.right([created]));
  });

  it('creating an existing label is a no-op with the same colour and refused with another', () => {
    assert.deepEqual(given(labelDecider, [created]).when({ type: 'CreateLabel', label: ARCHIVE, color: ORANGE }), E.right([]));
    const other = decodeOrThrow(Colour, '#000000');
    assert.deepEqual(given(labelDecider, [created]).when({ type: 'CreateLabel', label: ARCHIVE, color: other }), E.left({ _tag: 'LabelExists', label: ARCHIVE, color: ORANGE }));
  });

  it('refuses to delete an unknown label or one that a tape carries', () => {
    assert.deepEqual(given(labelDecider, []).when({ type: 'DeleteLabel', label: ARCHIVE, carriedBy: [] }), E.left({ _tag: 'LabelNotFound', label: ARCHIVE }));
    assert.deepEqual(given(labelDecider, [created]).when({ type: 'DeleteLabel', label: ARCHIVE, carriedBy: [TAPE] }), E.left({ _tag: 'LabelInUse', label: ARCHIVE, tapes: [TAPE] }));
    assert.deepEqual(given(labelDecider, [created]).when({ type: 'DeleteLabel', label: ARCHIVE, carriedBy: [] }), E.right([{ type: 'LabelDeleted', data: { label: ARCHIVE } }]));
  });

  it('normalises colours and refuses anything else', () => {
    assert.equal(normaliseColour('#F80'), '#ff8800');
    assert.equal(normaliseColour(' #A0b1C2 '), '#a0b1c2');
    assert.equal(normaliseColour('orange'), undefined);
    assert.equal(normaliseColour('#ff88001'), undefined);
    assert.equal(LabelName.is('-x'), false);
    assert.equal(LabelName.is('a/b'), false);
  });
});

describe('tape labels decider', () => {
  it('assigns a defined label once, with its colour', () => {
    assert.deepEqual(given(tapeLabelsDecider, [initialised]).when({ type: 'AssignLabel', tape: TAPE, label: ARCHIVE, definition: defined }), E.right([labelled]));
    assert.deepEqual(given(tapeLabelsDecider, [initialised, labelled]).when({ type: 'AssignLabel', tape: TAPE, label: ARCHIVE, definition: defined }), E.right([]));
  });

  it('refuses an undefined label and a tape that was never initialised', () => {
    assert.deepEqual(
      given(tapeLabelsDecider, [initialised]).when({ type: 'AssignLabel', tape: TAPE, label: ARCHIVE, definition: { status: 'NONE' } }),
      E.left({ _tag: 'LabelNotFound', label: ARCHIVE }),
    );
    assert.deepEqual(given(tapeLabelsDecider, []).when({ type: 'UnassignLabel', tape: TAPE, label: ARCHIVE }), E.left({ _tag: 'TapeNotInitialised', tape: TAPE }));
  });

  it('unassigns only a label the tape has', () => {
    assert.deepEqual(given(tapeLabelsDecider, [initialised]).when({ type: 'UnassignLabel', tape: TAPE, label: ARCHIVE }), E.right([]));
    assert.deepEqual(
      given(tapeLabelsDecider, [initialised, labelled]).when({ type: 'UnassignLabel', tape: TAPE, label: ARCHIVE }),
      E.right([{ type: 'TapeUnlabelled', data: { tape: TAPE, label: ARCHIVE } }]),
    );
  });
});
