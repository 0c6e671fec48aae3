import * as E from 'fp-ts/Either';
import type { App } from '../application/app';
import type { SpanTapes } from '../application/backup/run-backup';
import type { RestoreTapes } from '../application/restore/run-restore';
import type { AppError } from '../application/errors';
import { mountedTape } from '../application/span/mounted-tape';
import { tapeIdFromInput } from '../application/tape-id-input';
import type { TapeId } from '../domain/tape-id';
import { renderError, tapesToMount } from './errors';
import type { Io } from './io';
import { unlockForCommand } from './key-options';
import type { SecretOptions } from './secrets';
import type { Ask } from './ui/ask';

/**
 * Asks where `tape` is mounted, after saying why the last answer would not do; an empty
 * answer takes where it was last seen (or the configured drive). Undefined: input ended.
 */
export const askMountPoint = async (io: Io, app: App, ask: Ask, tape: TapeId, question: string, problem: AppError | undefined, fallback?: string): Promise<string | undefined> => {
  if (problem !== undefined) io.err(io.errStyle.red(renderError(problem).message));
  const remembered = (await app.mounts.lastSeen(tape)) ?? app.config.drive ?? fallback;
  const answer = await ask(`${question}${remembered === undefined ? '' : ` [${remembered}]`}: `);
  if (answer === undefined) return undefined;
  return answer.trim() === '' ? remembered : answer.trim();
};

/**
 * The next tapes of `lto backup --span`: the `--mount` points after the first, in order;
 * past those, on a terminal, a person is asked (one drive is enough: the barcode of the
 * next tape first, while the full one is still mounted, then its mount point once the
 * cartridges are swapped). Off a terminal with no mount left, there is no next tape.
 */
export const spanTapes = (io: Io, app: App, mounts: readonly string[], secrets: SecretOptions, ask: Ask | undefined): SpanTapes => ({
  nextTape: async (full, part) => {
    const given = mounts[part - 1];
    if (given !== undefined) return mountedTape(given);
    if (ask === undefined) return E.right(undefined);
    io.err(io.errStyle.bold(`Tape ${full} is full. The job goes on as part ${part}, on another tape.`));
    for (;;) {
      const answer = await ask('Barcode of the next tape (empty: stop here): ');
      if (answer === undefined || answer.trim() === '') return E.right(undefined);
      const tape = tapeIdFromInput(answer.trim());
      if (E.isRight(tape)) return tape;
      io.err(renderError(tape.left).message);
    }
  },
  mountOf: async (tape: TapeId, part, problem) => {
    const given = mounts[part - 1];
    if (problem === undefined && given !== undefined) return given;
    if (ask === undefined) return undefined;
    return askMountPoint(io, app, ask, tape, `Eject the full tape, mount ${tape} (part ${part}) and give its mount point`, problem, given);
  },
  unlock: (tape) => unlockForCommand(io, app, tape, secrets),
});

/** The other tapes of a restore (or verify) of a job that spans tapes, asked for one by one on a terminal. */
export const restoreTapes = (io: Io, app: App, secrets: SecretOptions, ask: Ask | undefined): RestoreTapes => ({
  interactive: ask !== undefined,
  mountOf: async (tape, part, parts, problem) => {
    if (ask === undefined) return undefined;
    return askMountPoint(io, app, ask, tape, `Tape ${part} of ${parts} is needed next: mount ${tape} and give its mount point (Ctrl-D: stop)`, problem);
  },
  unlock: (tape) => unlockForCommand(io, app, tape, secrets),
  ...(ask === undefined
    ? {}
    : { oneOf: async (tape, places, problem) => askMountPoint(io, app, ask, tape, `Mount ${tapesToMount(places).replace(/^mount /, '')}, and give its mount point (Ctrl-D: stop)`, problem) }),
});
