import { holdsArchive } from '../domain/events';
import * as E from 'fp-ts/Either';
import type { TapeId } from '../domain/tape-id';
import type { JobView } from '../projections/ports/job-queries';
import type { App } from './app';
import type { AppError } from './errors';

/**
 * A job of a tape, named by its full id, a unique prefix, or the short id people see
 * (the last 8 hex digits). Without a name: the latest backup of the tape.
 */
export const findBackupJob = async (app: App, tape: TapeId, name: string | undefined): Promise<E.Either<AppError, JobView>> => {
  const backups = (await app.catalog.jobs({ tape })).filter((j) => holdsArchive(j.type));
  if (name === undefined) {
    const latest = backups[backups.length - 1];
    return latest === undefined ? E.left({ _tag: 'NothingOnTape', tape }) : E.right(latest);
  }
  const wanted = name.toLowerCase();
  const hex = (id: string) => id.replace(/-/g, '');
  const matches = backups.filter((j) => j.id === wanted || j.id.startsWith(wanted) || hex(j.id).endsWith(wanted.replace(/-/g, '')));
  if (matches.length === 1) return E.right(matches[0]!);
  if (matches.length === 0) return E.left({ _tag: 'JobNotFound', tape, job: name });
  return E.left({ _tag: 'JobAmbiguous', tape, job: name, candidates: matches.map((j) => j.id) });
};
