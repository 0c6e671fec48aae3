import * as E from 'fp-ts/Either';
import type { Decider } from '../decider';
import type { DomainError } from '../errors';
import type { DomainEvent, EventOfType, UnprotectedJob } from '../events';
import type { TapeId } from '../tape-id';

/** A tape's service: in use, migrated (its jobs copied forward and verified), retired. Folded from `tape-<TAPEID>`. */
export type TapeServiceEvent = EventOfType<'TapeRetired' | 'TapeMigrated'>;

export type TapeService = 'ACTIVE' | 'MIGRATED' | 'RETIRED';

export interface TapeServiceState {
  readonly initialised: boolean;
  readonly service: TapeService;
}

export type TapeServiceCommand =
  /** `unprotected`: the tape's jobs that would be left without their set's copies elsewhere (the caller reads the catalog). */
  | { readonly type: 'RetireTape'; readonly tape: TapeId; readonly force: boolean; readonly unprotected: readonly UnprotectedJob[] }
  | { readonly type: 'MarkMigrated'; readonly tape: TapeId; readonly to: readonly TapeId[]; readonly jobs: number };

/**
 * Retiring is refused while a job would lose its copies, unless forced (then what was
 * lost is recorded with it); retiring again changes nothing. A retired tape is not migrated.
 */
const decide = (command: TapeServiceCommand, state: TapeServiceState): E.Either<DomainError, readonly TapeServiceEvent[]> => {
  if (!state.initialised) return E.left({ _tag: 'TapeNotInitialised', tape: command.tape });
  switch (command.type) {
    case 'RetireTape':
      if (state.service === 'RETIRED') return E.right([]);
      if (command.unprotected.length > 0 && !command.force) return E.left({ _tag: 'TapeRetireWouldLose', tape: command.tape, jobs: command.unprotected });
      return E.right([{ type: 'TapeRetired', data: { tape: command.tape, forced: command.force && command.unprotected.length > 0, lost: [...command.unprotected] } }]);
    case 'MarkMigrated':
      if (state.service === 'RETIRED') return E.left({ _tag: 'TapeIsRetired', tape: command.tape });
      return E.right([{ type: 'TapeMigrated', data: { tape: command.tape, to: [...command.to], jobs: command.jobs } }]);
    default: {
      const unhandled: never = command;
      return unhandled;
    }
  }
};

const evolve = (state: TapeServiceState, event: DomainEvent): TapeServiceState => {
  switch (event.type) {
    case 'TapeInitialised':
      return { ...state, initialised: true };
    case 'TapeMigrated':
      return state.service === 'RETIRED' ? state : { ...state, service: 'MIGRATED' };
    case 'TapeRetired':
      return { ...state, service: 'RETIRED' };
    default:
      return state;
  }
};

export const tapeServiceDecider: Decider<TapeServiceCommand, DomainEvent, TapeServiceState, DomainError> = {
  decide,
  evolve,
  initialState: { initialised: false, service: 'ACTIVE' },
};
