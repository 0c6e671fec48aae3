import * as E from 'fp-ts/Either';
import type { Decider } from '../decider';
import type { DomainError } from '../errors';
import type { DomainEvent, EventOfType, TapeInitialised } from '../events';
import type { JobId, VolumeUuid } from '../ids';
import type { KeySlot } from '../key-slots';
import type { Generation, TapeId } from '../tape-id';

export type TapeEvent = EventOfType<'TapeInitialised' | 'TapeDescribed' | 'KeySlotAdded'>;

export type TapeState =
  | { readonly status: 'UNKNOWN' }
  | {
      readonly status: 'INITIALISED';
      readonly tape: TapeId;
      readonly generation: Generation;
      readonly description: string;
      readonly volumeUuid: VolumeUuid;
      readonly encrypted: boolean;
      /** Ids of the key slots (an encrypted tape has at least one). */
      readonly slots: readonly string[];
    };

export type TapeCommand =
  | {
      readonly type: 'InitialiseTape';
      readonly tape: TapeId;
      readonly generation: Generation;
      readonly capacityBytes: number;
      readonly description: string;
      readonly volumeUuid: VolumeUuid;
      readonly job: JobId;
      /** Key slots of an encrypted tape (none: a plain tape). */
      readonly slots: readonly KeySlot[];
      /** The LTFS volume UUID of the cartridge, when it was added on an LTFS mount. */
      readonly ltfsVolumeUuid?: string;
    }
  | { readonly type: 'DescribeTape'; readonly tape: TapeId; readonly description: string }
  | { readonly type: 'AddKeySlot'; readonly tape: TapeId; readonly slot: KeySlot };

const initialise = (
  command: Extract<TapeCommand, { type: 'InitialiseTape' }>,
  state: TapeState,
): E.Either<DomainError, TapeEvent[]> => {
  if (state.status !== 'UNKNOWN') return E.left({ _tag: 'TapeAlreadyInitialised', tape: command.tape });
  const data: TapeInitialised = {
    tape: command.tape,
    generation: command.generation,
    capacityBytes: command.capacityBytes,
    description: command.description,
    volumeUuid: command.volumeUuid,
    format: 'lto-archive/1',
    encrypted: command.slots.length > 0,
    job: command.job,
    ...(command.ltfsVolumeUuid === undefined ? {} : { ltfsVolumeUuid: command.ltfsVolumeUuid }),
  };
  const slots = command.slots.map((slot): TapeEvent => ({ type: 'KeySlotAdded', data: { tape: command.tape, slot } }));
  return E.right([{ type: 'TapeInitialised', data }, ...slots]);
};

const addSlot = (command: Extract<TapeCommand, { type: 'AddKeySlot' }>, state: TapeState): E.Either<DomainError, TapeEvent[]> => {
  if (state.status !== 'INITIALISED') return E.left({ _tag: 'TapeNotInitialised', tape: command.tape });
  if (!state.encrypted) return E.left({ _tag: 'TapeNotEncrypted', tape: command.tape });
  if (state.slots.includes(command.slot.id)) return E.left({ _tag: 'KeySlotExists', tape: command.tape, slot: command.slot.id });
  return E.right([{ type: 'KeySlotAdded', data: { tape: command.tape, slot: command.slot } }]);
};

const describe = (
  command: Extract<TapeCommand, { type: 'DescribeTape' }>,
  state: TapeState,
): E.Either<DomainError, TapeEvent[]> => {
  if (state.status !== 'INITIALISED') return E.left({ _tag: 'TapeNotInitialised', tape: command.tape });
  if (state.description === command.description) return E.right([]);
  return E.right([{ type: 'TapeDescribed', data: { tape: command.tape, description: command.description } }]);
};

const decide = (command: TapeCommand, state: TapeState): E.Either<DomainError, readonly TapeEvent[]> => {
  switch (command.type) {
    case 'InitialiseTape':
      return initialise(command, state);
    case 'DescribeTape':
      return describe(command, state);
    case 'AddKeySlot':
      return addSlot(command, state);
    default: {
      const unhandled: never = command;
      return unhandled;
    }
  }
};

/** Events of other streams never reach here; unknown ones leave the state as it is. */
const evolve = (state: TapeState, event: DomainEvent): TapeState => {
  switch (event.type) {
    case 'TapeInitialised':
      return {
        status: 'INITIALISED',
        tape: event.data.tape,
        generation: event.data.generation,
        description: event.data.description,
        volumeUuid: event.data.volumeUuid,
        encrypted: event.data.encrypted,
        slots: [],
      };
    case 'KeySlotAdded':
      return state.status === 'INITIALISED' ? { ...state, slots: [...state.slots, event.data.slot.id] } : state;
    case 'TapeDescribed':
      return state.status === 'INITIALISED' ? { ...state, description: event.data.description } : state;
    default:
      return state;
  }
};

export const tapeDecider: Decider<TapeCommand, DomainEvent, TapeState, DomainError> = {
  decide,
  evolve,
  initialState: { status: 'UNKNOWN' },
};
