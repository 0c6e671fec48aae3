import * as E from 'fp-ts/Either';
import * as t from 'io-ts';
import { jobStream } from '../domain/events';
import { FeatureList, unknownFeatures } from '../domain/format-features';
import type { TapeId } from '../domain/tape-id';
import type { App } from './app';
import type { AppError } from './errors';

/** Any schema of these events keeps `features` where it is: read it alone, whatever else changed. */
const WithFeatures = t.partial({ features: FeatureList });

/** The events that name a job's format features: its start, and each closed segment (before the entries it holds). */
const FEATURE_EVENTS = ['JobStarted', 'SegmentClosed'];

/** The format features a job needs, each once (docs/FORMAT.md, Format features). */
export const jobFeatures = async (app: App, job: string): Promise<string[]> => {
  const features = new Set<string>();
  for (const stored of await app.store.readStreamOfTypes(jobStream(job), FEATURE_EVENTS)) {
    const decoded = WithFeatures.decode(stored.data);
    if (E.isRight(decoded)) for (const f of decoded.right.features ?? []) features.add(f);
  }
  return [...features];
};

/** The features of `job` this version does not know (empty: it reads the job as written). */
export const unknownFeaturesOf = async (app: App, job: string): Promise<string[]> => unknownFeatures(await jobFeatures(app, job));

/**
 * Refuses, before anything is read or written, to restore or verify jobs of which one
 * needs a format feature this version does not know: it would misread them (take a piece
 * of a file for the file, a sparse map for data). The jobs stay listed and browsable.
 */
export const refuseUnknownFeatures = async (app: App, tape: TapeId, jobs: readonly string[]): Promise<E.Either<AppError, void>> => {
  for (const job of jobs) {
    const unknown = await unknownFeaturesOf(app, job);
    if (unknown.length > 0) return E.left({ _tag: 'JobNeedsUnknownFeature', tape, job, features: unknown });
  }
  return E.right(undefined);
};
