import { holdsArchive } from '../domain/events';
import * as E from 'fp-ts/Either';
import { tapeCatalogStream } from '../domain/events';
import { tapeCatalogDecider, type TapeCatalogState } from '../domain/tape/tape-catalog';
import type { TapeId } from '../domain/tape-id';
import type { App } from './app';
import type { AppError } from './errors';
import { handle, loadStream, type Handled, type StreamState } from './handle';

export interface ForgetPreview {
  readonly tape: TapeId;
  readonly jobs: number;
  readonly files: number;
}

/** Whether this catalog has forgotten the tape: its latest forget is not followed by a recall. */
export const isForgotten = async (app: App, tape: TapeId): Promise<E.Either<AppError, boolean>> =>
  E.map((loaded: StreamState<TapeCatalogState>) => loaded.state.forgotten)(await loadStream(app, tapeCatalogDecider, tapeCatalogStream(tape)));

/** What forgetting a tape takes out of the catalog (for the confirmation). */
export const previewForget = async (app: App, tape: TapeId): Promise<E.Either<AppError, ForgetPreview>> => {
  if ((await app.catalog.tape(tape)) === undefined) return E.left({ _tag: 'TapeNotRegistered', tape });
  const jobs = (await app.catalog.jobs({ tape })).filter((j) => holdsArchive(j.type));
  return E.right({ tape, jobs: jobs.length, files: jobs.reduce((n, j) => n + j.files, 0) });
};

/**
 * Takes a tape out of this catalog: one local event (never written to the tape, whose
 * journal keeps everything), whose projection removes the tape's rows. `lto recover`
 * of the tape brings it back (recallIfForgotten).
 */
export const forgetTape = async (app: App, tape: TapeId): Promise<E.Either<AppError, ForgetPreview>> => {
  const preview = await previewForget(app, tape);
  if (E.isLeft(preview)) return preview;
  const forgotten = await handle(app, tapeCatalogDecider, tapeCatalogStream(tape), { type: 'ForgetTape', tape }, { to: 'local', tape });
  return E.isLeft(forgotten) ? forgotten : preview;
};

/** A forgotten tape read back by `lto recover`: shown again, its earlier events projected anew. */
export const recallIfForgotten = async (app: App, tape: TapeId): Promise<E.Either<AppError, boolean>> => {
  const recalled = await handle(app, tapeCatalogDecider, tapeCatalogStream(tape), { type: 'RecallTape', tape }, { to: 'local', tape });
  return E.map((handled: Handled<TapeCatalogState>) => handled.events.length > 0)(recalled);
};
