import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import { holdsArchive, tapeStream, type UnprotectedJob } from '../domain/events';
import { tapeServiceDecider, type TapeServiceCommand, type TapeServiceState } from '../domain/tape/tape-service';
import type { TapeId } from '../domain/tape-id';
import type { App } from './app';
import type { AppError } from './errors';
import { handle, loadStream } from './handle';
import { tapeIdFromInput } from './tape-id-input';
import { openTapeSessionIfMounted } from './tape-session';

/** Refuses a retired tape to anything that would write a job to it (backup, copy, migrate). */
export const refuseRetired = (app: App, tape: TapeId): E.Either<AppError, void> =>
  app.catalog.tape(tape)?.state === 'RETIRED' ? E.left({ _tag: 'TapeIsRetired', tape }) : E.right(undefined);

/** How many copies a job's set asks for: the set of its original's tape (else its own tape's), 1 outside any set. */
const requiredCopies = (app: App, tape: string, original: string | undefined): number => {
  const members = app.catalog.sets.members();
  const set = members.get(original ?? tape)?.set ?? members.get(tape)?.set;
  return set === undefined ? 1 : (app.catalog.sets.set(set)?.copies ?? 1);
};

/**
 * The tape's jobs that hold files and would not keep, elsewhere, as many places as their
 * set asks for (1 outside a set) once it is retired: places on other tapes that are not
 * retired. A job cut short (its closed segments hold files) has no copy: it is one of them.
 */
export const unprotectedJobs = (app: App, tape: TapeId): UnprotectedJob[] => {
  const retired = new Set(app.catalog.tapes().filter((t) => t.state === 'RETIRED').map((t) => t.id));
  return app.catalog
    .jobs({ tape })
    .filter((j) => holdsArchive(j.type) && (j.status === 'SUCCESS' || j.files > 0))
    .flatMap((j) => {
      const places = app.catalog.copies.placesOf(j.id);
      const elsewhere = places.filter((p) => p.tape !== tape && !retired.has(p.tape)).length;
      const required = requiredCopies(app, tape, places.find((p) => p.original)?.tape);
      return elsewhere >= required ? [] : [{ job: j.id, files: j.files }];
    });
};

export interface ServiceChange {
  readonly tape: TapeId;
  /** False when it already was so: nothing was recorded. */
  readonly changed: boolean;
  /** True when the tape could not be written: the event waits for its next writable contact. */
  readonly pending: boolean;
}

/** Records a change of a tape's service on its own stream: on its journal now when it is mounted writable, else pending. */
export const changeTapeService = (
  app: App,
  tape: TapeId,
  mountOption: string | undefined,
  command: (state: TapeServiceState) => TapeServiceCommand,
): E.Either<AppError, ServiceChange> => {
  if (app.catalog.tape(tape) === undefined) return E.left({ _tag: 'TapeNotRegistered', tape });
  const session = openTapeSessionIfMounted(app, tape, mountOption);
  if (E.isLeft(session)) return session;
  return pipe(
    loadStream(app, tapeServiceDecider, tapeStream(tape)),
    E.chainW((loaded) => handle(app, tapeServiceDecider, loaded, command(loaded.state), { to: 'journal', tape, session: session.right, yieldIfBusy: true })),
    E.map((handled): ServiceChange => ({ tape, changed: handled.events.length > 0, pending: handled.pending })),
  );
};

export interface RetirePreview {
  readonly tape: TapeId;
  readonly unprotected: readonly UnprotectedJob[];
}

/** What retiring would leave without its copies (nothing recorded). */
export const previewRetire = (app: App, input: string): E.Either<AppError, RetirePreview> =>
  pipe(
    tapeIdFromInput(input),
    E.chain((tape) => (app.catalog.tape(tape) === undefined ? E.left<AppError>({ _tag: 'TapeNotRegistered', tape }) : E.right(tape))),
    E.map((tape) => ({ tape, unprotected: unprotectedJobs(app, tape) })),
  );

/** `lto tape retire`: refused while a job would lose its copies, unless forced (what was lost is recorded with it). */
export const retireTape = (app: App, tape: TapeId, force: boolean, mountOption: string | undefined): E.Either<AppError, ServiceChange & { readonly lost: readonly UnprotectedJob[] }> => {
  const unprotected = unprotectedJobs(app, tape);
  return E.map((change: ServiceChange) => ({ ...change, lost: change.changed && force ? unprotected : [] }))(
    changeTapeService(app, tape, mountOption, () => ({ type: 'RetireTape', tape, force, unprotected })),
  );
};
