import * as E from 'fp-ts/Either';
import { holdsArchive, tapeStream, type UnprotectedJob } from '../domain/events';
import { tapeServiceDecider, type TapeServiceCommand, type TapeServiceState } from '../domain/tape/tape-service';
import type { TapeId } from '../domain/tape-id';
import type { App } from './app';
import type { AppError } from './errors';
import { handle, loadStream } from './handle';
import { tapeIdFromInput } from './tape-id-input';
import { openTapeSessionIfMounted } from './tape-session';

/** Refuses a retired tape to anything that would write a job to it (backup, copy, migrate). */
export const refuseRetired = async (app: App, tape: TapeId): Promise<E.Either<AppError, void>> =>
  (await app.catalog.tape(tape))?.state === 'RETIRED' ? E.left({ _tag: 'TapeIsRetired', tape }) : E.right(undefined);

/** How many copies a job's set asks for: the set of its original's tape (else its own tape's), 1 outside any set. */
const requiredCopies = async (app: App, tape: string, original: string | undefined): Promise<number> => {
  const members = await app.catalog.sets.members();
  const set = members.get(original ?? tape)?.set ?? members.get(tape)?.set;
  return set === undefined ? 1 : ((await app.catalog.sets.set(set))?.copies ?? 1);
};

/**
 * The tape's jobs that hold files and would not keep, elsewhere, as many places as their
 * set asks for (1 outside a set) once it is retired: places on other tapes that are not
 * retired. A job cut short (its closed segments hold files) has no copy: it is one of them.
 */
export const unprotectedJobs = async (app: App, tape: TapeId): Promise<UnprotectedJob[]> => {
  const retired = new Set((await app.catalog.tapes()).filter((t) => t.state === 'RETIRED').map((t) => t.id));
  const unprotected: UnprotectedJob[] = [];
  for (const j of await app.catalog.jobs({ tape })) {
    if (!(holdsArchive(j.type) && (j.status === 'SUCCESS' || j.files > 0))) continue;
    const places = await app.catalog.copies.placesOf(j.id);
    const elsewhere = places.filter((p) => p.tape !== tape && !retired.has(p.tape)).length;
    const required = await requiredCopies(app, tape, places.find((p) => p.original)?.tape);
    if (elsewhere < required) unprotected.push({ job: j.id, files: j.files });
  }
  return unprotected;
};

export interface ServiceChange {
  readonly tape: TapeId;
  /** False when it already was so: nothing was recorded. */
  readonly changed: boolean;
  /** True when the tape could not be written: the event waits for its next writable contact. */
  readonly pending: boolean;
}

/** Records a change of a tape's service on its own stream: on its journal now when it is mounted writable, else pending. */
export const changeTapeService = async (
  app: App,
  tape: TapeId,
  mountOption: string | undefined,
  command: (state: TapeServiceState) => TapeServiceCommand,
): Promise<E.Either<AppError, ServiceChange>> => {
  if ((await app.catalog.tape(tape)) === undefined) return E.left({ _tag: 'TapeNotRegistered', tape });
  const session = await openTapeSessionIfMounted(app, tape, mountOption);
  if (E.isLeft(session)) return session;
  const loaded = await loadStream(app, tapeServiceDecider, tapeStream(tape));
  if (E.isLeft(loaded)) return loaded;
  // Decided on the state loaded here: a change another process records meanwhile is a VersionConflict.
  const handled = await handle(app, tapeServiceDecider, loaded.right, command(loaded.right.state), { to: 'journal', tape, session: session.right, yieldIfBusy: true });
  return E.map((h: { readonly events: readonly unknown[]; readonly pending: boolean }): ServiceChange => ({ tape, changed: h.events.length > 0, pending: h.pending }))(handled);
};

export interface RetirePreview {
  readonly tape: TapeId;
  readonly unprotected: readonly UnprotectedJob[];
}

/** What retiring would leave without its copies (nothing recorded). */
export const previewRetire = async (app: App, input: string): Promise<E.Either<AppError, RetirePreview>> => {
  const tape = tapeIdFromInput(input);
  if (E.isLeft(tape)) return tape;
  if ((await app.catalog.tape(tape.right)) === undefined) return E.left({ _tag: 'TapeNotRegistered', tape: tape.right });
  return E.right({ tape: tape.right, unprotected: await unprotectedJobs(app, tape.right) });
};

/** `lto tape retire`: refused while a job would lose its copies, unless forced (what was lost is recorded with it). */
export const retireTape = async (app: App, tape: TapeId, force: boolean, mountOption: string | undefined): Promise<E.Either<AppError, ServiceChange & { readonly lost: readonly UnprotectedJob[] }>> => {
  const unprotected = await unprotectedJobs(app, tape);
  return E.map((change: ServiceChange) => ({ ...change, lost: change.changed && force ? unprotected : [] }))(
    await changeTapeService(app, tape, mountOption, () => ({ type: 'RetireTape', tape, force, unprotected })),
  );
};
