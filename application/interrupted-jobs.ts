import * as E from 'fp-ts/Either';
import * as t from 'io-ts';
import { jobStream } from '../domain/events';
import { jobDecider, type JobCommand } from '../domain/job/job';
import { TapeId } from '../domain/tape-id';
import type { App } from './app';
import type { AppError } from './errors';
import { isProcessAlive } from '../infrastructure/process-alive';
import { handle, loadStream } from './handle';
import type { Placement } from './recording';
import { openTapeSessionIfMounted } from './tape-session';

const StartMeta = t.type({ host: t.string, pid: t.number });

/** Job types whose events stay in the local store (they never write to a tape). */
const LOCAL_ONLY = new Set(['BROWSE', 'RECOVERY']);

/**
 * A job still RUNNING in the catalog whose process (on this host) is gone was cut off
 * by a crash: it is closed INTERRUPTED. Its events reach the tape at the next contact.
 * Jobs started on another host are left alone: only that host can tell.
 */
export const closeInterruptedJobs = async (app: App, processAlive: (pid: number) => boolean = isProcessAlive): Promise<E.Either<AppError, number>> => {
  let closed = 0;
  for (const job of await app.catalog.jobs({ status: 'RUNNING' })) {
    const started = await app.store.readStream(jobStream(job.id));
    const meta = StartMeta.decode(started[0]?.meta);
    if (E.isLeft(meta) || meta.right.host !== app.host || meta.right.pid === app.pid || processAlive(meta.right.pid)) continue;
    if (!LOCAL_ONLY.has(job.type) && !(await catchUpWithTape(app, job.tape))) {
      app.notice(`job ${job.id} on ${job.tape} stopped without an end: it is closed INTERRUPTED once its tape is mounted (the tape may hold more of it)`);
      continue;
    }
    const result = await interrupt(app, jobStream(job.id));
    if (E.isLeft(result)) return result;
    closed += 1;
  }
  return E.right(closed);
};

/**
 * The crash may have fallen between a tape append and the local one: the tape then holds
 * events of the job (a closed segment, even its end) that the catalog misses, and an
 * interruption decided without them would take a version the tape already used, a
 * conflict that would lock the tape out at every later contact. So the tape is read
 * first when it is mounted where it was last seen. When it is not, nobody can tell how far
 * the job got: it stays RUNNING (with a notice) until a start that finds its tape.
 */
const catchUpWithTape = async (app: App, tape: string): Promise<boolean> => {
  const parsed = TapeId.decode(tape);
  if (E.isLeft(parsed)) return false;
  const session = await openTapeSessionIfMounted(app, parsed.right, undefined);
  return E.isRight(session) && session.right !== undefined;
};

const interrupt = async (app: App, stream: string): Promise<E.Either<AppError, void>> => {
  const loaded = await loadStream(app, jobDecider, stream);
  if (E.isLeft(loaded)) return loaded;
  const state = loaded.right.state;
  if (state.status !== 'RUNNING') return E.right(undefined);
  const detectedAt = app.clock().toISOString();
  const command: JobCommand = { type: 'InterruptJob', job: state.job, reason: 'the process running it ended without finishing it', detectedAt };
  const tape: TapeId = state.tape;
  app.notice(`job ${state.job} on ${tape} had no end: closed as INTERRUPTED`);
  const placement: Placement = LOCAL_ONLY.has(state.type) ? { to: 'local', tape } : { to: 'journal', tape, session: undefined };
  return E.map(() => undefined)(await handle(app, jobDecider, loaded.right, command, placement));
};
