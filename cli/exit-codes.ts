import type { StopSignal } from '../infrastructure/stop-signals';

/** Exit codes, the same for every command (the README lists them). */
export const EXIT = {
  OK: 0,
  /** The command ran and found a problem: a check that failed, a job that failed. */
  FAILED: 1,
  /** Bad usage: unknown command or option, malformed barcode or argument. */
  USAGE: 2,
  /** The tape is not usable: not registered, not mounted, the wrong one, not writable. */
  TAPE: 3,
  /** Damaged data read from a tape: journal chain broken, volume label undecodable. */
  DAMAGED: 4,
  /** This machine's side: database or data folder unusable, bad config, concurrent change. */
  LOCAL: 5,
  /** Stopped by SIGHUP, the terminal gone (128 + 1). */
  HUNG_UP: 129,
  /** Stopped by Ctrl-C (128 + SIGINT). */
  INTERRUPTED: 130,
  /** Stopped by SIGTERM, or the end of the `lto` process that started this one (128 + 15). */
  TERMINATED: 143,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A job stopped by a signal exits as the shell expects of a process that signal ended. */
export const exitForSignal = (signal: StopSignal): ExitCode =>
  signal === 'SIGINT' ? EXIT.INTERRUPTED : signal === 'SIGHUP' ? EXIT.HUNG_UP : EXIT.TERMINATED;

/**
 * `lto report`'s own code for a critical tape (monitoring plugins' 2 = CRITICAL). It is
 * the number bad usage has elsewhere: a script tells them apart by the command it ran.
 */
export const REPORT_CRITICAL: ExitCode = EXIT.USAGE;
