import * as E from 'fp-ts/Either';
import type { TapeId } from '../domain/tape-id';
import type { App } from './app';
import type { AppError } from './errors';

/** Which tapes carry a label (a tag such as `offsite`), sorted by id. */
export type TapesWithLabel = (label: string) => E.Either<AppError, readonly TapeId[]>;

/**
 * The catalog's answer. Labels (tags on tapes) are not in this catalog yet: until they
 * are, this is the one place that says so, and the one line to change to wire them in
 * (e.g. `(label) => E.right(app.catalog.tapesWithLabel(label))`).
 */
export const tapesWithLabelInCatalog =
  (_app: App): TapesWithLabel =>
  () =>
    E.left({ _tag: 'LabelsUnavailable' });
