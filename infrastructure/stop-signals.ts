/**
 * Stopping a job from outside: SIGINT (Ctrl-C), SIGTERM (`kill`, a service manager),
 * SIGHUP (the terminal went away), and the end of the `lto` process that started this
 * one (bin/lto.js runs long jobs in a child; when that parent dies, even by SIGKILL,
 * its IPC channel closes).
 *
 * A job that can stop cleanly asks `catchStopSignals` for a request it polls at its safe
 * points; while it listens, these signals no longer kill the process. With nobody
 * listening, the signals keep their default (the process ends), and so does the loss
 * of the parent: a child must never outlive it.
 */

export type StopSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';

const STOP_SIGNALS: readonly StopSignal[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export interface StopRequest {
  readonly signal: StopSignal;
  /** For the job's end event: why it stopped. */
  readonly reason: string;
}

export interface StopListener {
  /** The first stop asked for, if one was. */
  readonly requested: () => StopRequest | undefined;
  /** Back to the default: the signals end the process. */
  readonly dispose: () => void;
}

const PARENT_GONE: StopRequest = { signal: 'SIGTERM', reason: 'stopped: the lto process that started it ended' };

/** What the loss of the parent does: stop the listening job, else end as SIGTERM would. */
let onParentGone = (): void => {
  process.kill(process.pid, 'SIGTERM');
};

/**
 * Until `dispose`, the three signals ask for a stop instead of ending the process. Only
 * the first counts: Ctrl-C on a terminal reaches both `lto` processes, and the parent
 * forwards its copy too. `notice` tells the person the job heard them.
 */
export const catchStopSignals = (notice: (message: string) => void): StopListener => {
  let requested: StopRequest | undefined;
  const ask = (request: StopRequest): void => {
    if (requested !== undefined) return;
    requested = request;
    notice(`${request.reason}: finishing what is safe to keep, then ending (SIGKILL ends at once)`);
  };
  const onSignal = (signal: NodeJS.Signals): void => ask({ signal: stopSignal(signal), reason: `stopped by ${signal}` });
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  const previous = onParentGone;
  onParentGone = () => ask(PARENT_GONE);
  return {
    requested: () => requested,
    dispose: () => {
      for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
      onParentGone = previous;
    },
  };
};

const stopSignal = (signal: NodeJS.Signals): StopSignal => STOP_SIGNALS.find((s) => s === signal) ?? 'SIGTERM';

/**
 * In the child bin/lto.js starts: its IPC channel closes when the parent ends, however it
 * ends. The channel is unref'd so that it never keeps this process alive by itself.
 */
export const watchParent = (): void => {
  const channel = process.channel;
  if (channel === undefined) return;
  process.on('disconnect', () => onParentGone());
  channel.unref();
};

/**
 * Yields so that a signal already received is handled before the caller asks `stop()`.
 * One `setImmediate` is not enough: called from an I/O callback (a PostgreSQL reply), it
 * runs in the same loop turn's check phase, before the next poll reads the signal; two
 * always have a poll between them. (On SQLite the caller resumed elsewhere, so one did.)
 */
export const hearSignals = (): Promise<void> => new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
