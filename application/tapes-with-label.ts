import * as E from 'fp-ts/Either';
import { isTapeId, type TapeId } from '../domain/tape-id';
import type { App } from './app';
import type { AppError } from './errors';

/** Which tapes carry a label (a tag such as `offsite`), sorted by id. */
export type TapesWithLabel = (label: string) => Promise<E.Either<AppError, readonly TapeId[]>>;

/** The catalog's answer, from the labels projection. */
export const tapesWithLabelInCatalog =
  (app: App): TapesWithLabel =>
  async (label) =>
    E.right((await app.catalog.labels.tapesWith(label)).filter((t): t is TapeId => isTapeId(t)));
