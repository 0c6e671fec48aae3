import { holdsArchive } from '../domain/events';
import * as E from 'fp-ts/Either';
import { tapeCatalogStream, type DomainEvent } from '../domain/events';
import type { TapeId } from '../domain/tape-id';
import type { App } from './app';
import { loadDomainEvents } from './describe-tape';
import type { AppError } from './errors';
import { envelopesFor } from './recording';

export interface ForgetPreview {
  readonly tape: TapeId;
  readonly jobs: number;
  readonly files: number;
}

/** Whether this catalog has forgotten the tape: its latest forget is not followed by a recall. */
export const isForgotten = (events: readonly DomainEvent[]): boolean =>
  events.reduce((forgotten, e) => (e.type === 'TapeForgotten' ? true : e.type === 'TapeRecalled' ? false : forgotten), false);

/** What forgetting a tape takes out of the catalog (for the confirmation). */
export const previewForget = (app: App, tape: TapeId): E.Either<AppError, ForgetPreview> => {
  if (app.catalog.tape(tape) === undefined) return E.left({ _tag: 'TapeNotRegistered', tape });
  const jobs = app.catalog.jobs({ tape }).filter((j) => holdsArchive(j.type));
  return E.right({ tape, jobs: jobs.length, files: jobs.reduce((n, j) => n + j.files, 0) });
};

/**
 * Takes a tape out of this catalog: one local event (never written to the tape, whose
 * journal keeps everything), whose projection removes the tape's rows. `lto recover`
 * of the tape brings it back (recallIfForgotten).
 */
export const forgetTape = (app: App, tape: TapeId): E.Either<AppError, ForgetPreview> => {
  const preview = previewForget(app, tape);
  if (E.isLeft(preview)) return preview;
  const stream = tapeCatalogStream(tape);
  const { version } = loadDomainEvents(app, stream);
  const stored = app.store.append(envelopesFor(app, stream, version, [{ type: 'TapeForgotten', data: { tape } }]), { tape, state: 'local' });
  return E.isLeft(stored) ? stored : preview;
};

/** A forgotten tape read back by `lto recover`: shown again, its earlier events projected anew. */
export const recallIfForgotten = (app: App, tape: TapeId): E.Either<AppError, boolean> => {
  const stream = tapeCatalogStream(tape);
  const { events, version } = loadDomainEvents(app, stream);
  if (!isForgotten(events)) return E.right(false);
  const stored = app.store.append(envelopesFor(app, stream, version, [{ type: 'TapeRecalled', data: { tape } }]), { tape, state: 'local' });
  return E.isLeft(stored) ? stored : E.right(true);
};
