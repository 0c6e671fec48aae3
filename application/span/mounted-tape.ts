import * as E from 'fp-ts/Either';
import type { TapeId } from '../../domain/tape-id';
import { FolderTape } from '../../infrastructure/tape/tape-volume';
import type { AppError } from '../errors';
import { tapeIdFromInput } from '../tape-id-input';

/** Which archive tape is mounted at `mount` (its volume label says): a blank or foreign volume is refused. */
export const mountedTape = (mount: string): E.Either<AppError, TapeId> => {
  const probe = new FolderTape(mount).probe();
  if (E.isLeft(probe)) return probe;
  if (probe.right._tag === 'Blank') return E.left({ _tag: 'NotAnArchiveTape', mount });
  return tapeIdFromInput(probe.right.label.tape);
};

/** Of the mount points given, the one where `tape` is mounted (by its label). */
export const mountHolding = (tape: TapeId, mounts: readonly (string | undefined)[]): string | undefined =>
  mounts.find((mount) => {
    if (mount === undefined) return false;
    const found = mountedTape(mount);
    return E.isRight(found) && found.right === tape;
  });
