import * as E from 'fp-ts/Either';
import type { App } from '../application/app';
import type { SpanTapes } from '../application/backup/run-backup';
import { chooseSetTarget, mountOfSetTape, nextSetTape, type SetTarget } from '../application/backup/set-target';
import type { AppError } from '../application/errors';
import { addTapeToSet } from '../application/sets';
import { tapeIdFromInput } from '../application/tape-id-input';
import type { TapeId } from '../domain/tape-id';
import { renderError } from './errors';
import type { Io } from './io';
import { unlockForCommand } from './key-options';
import type { SecretOptions } from './secrets';
import { askMountPoint } from './span-tapes';
import type { Ask } from './ui/ask';

/**
 * `lto backup --set`: the set's tape to start on and where it is mounted; when it is not
 * found mounted, a person at a terminal is asked for its mount point.
 */
export const setBackupTarget = async (io: Io, app: App, set: string, mounts: readonly string[], ask: Ask | undefined): Promise<E.Either<AppError, SetTarget>> => {
  const target = await chooseSetTarget(app, set, mounts);
  if (E.isLeft(target) || target.right.mount !== undefined || ask === undefined) return target;
  const mount = await askMountPoint(io, app, ask, target.right.tape, `Mount ${target.right.tape} (the current tape of set ${target.right.set}) and give its mount point`, undefined);
  return E.right({ ...target.right, mount });
};

/**
 * The next tapes of a set's backup: the set's tapes after the full one, in the order
 * they joined, each found by its label among the `--mount` points given (else where a
 * command looks for it; else a person is asked). Past the set's last tape, a person at
 * a terminal may name another registered tape: it joins the set.
 */
export const setSpanTapes = (io: Io, app: App, target: SetTarget, mounts: readonly string[], secrets: SecretOptions, ask: Ask | undefined): SpanTapes => {
  const used: TapeId[] = [target.tape];
  const take = (tape: TapeId): E.Either<AppError, TapeId | undefined> => {
    used.push(tape);
    return E.right(tape);
  };
  return {
    nextTape: async (full, part) => {
      const next = await nextSetTape(app, target.set, full, used);
      if (next !== undefined) return take(next);
      if (ask === undefined) return E.right(undefined);
      io.err(io.errStyle.bold(`Tape ${full} is full and is the last of set ${target.set}. The job goes on as part ${part}, on another tape, which joins the set.`));
      for (;;) {
        const answer = await ask('Barcode of the next tape (empty: stop here): ');
        if (answer === undefined || answer.trim() === '') return E.right(undefined);
        const tape = tapeIdFromInput(answer.trim());
        const joined = E.isLeft(tape) ? tape : await addTapeToSet(app, target.set, tape.right, undefined);
        if (E.isRight(joined)) return take(joined.right.tape);
        io.err(renderError(joined.left).message);
      }
    },
    mountOf: async (tape, part, problem) => {
      const found = problem === undefined ? await mountOfSetTape(app, tape, mounts) : undefined;
      if (found !== undefined) return found;
      if (ask === undefined) return undefined;
      return askMountPoint(io, app, ask, tape, `Eject the full tape, mount ${tape} (part ${part}, set ${target.set}) and give its mount point`, problem);
    },
    unlock: (tape) => unlockForCommand(io, app, tape, secrets),
  };
};
