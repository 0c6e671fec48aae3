import * as E from 'fp-ts/Either';
import type { AppError } from '../application/errors';
import { openApp, type GlobalOptions, type OpenedApp } from './bootstrap';
import { renderError } from './errors';
import { EXIT, type ExitCode } from './exit-codes';
import type { Io } from './io';
import { jsonErrorLine } from './json';

export type ActionResult = E.Either<AppError, ExitCode>;

/** Shared by every command: how the exit code gets back to the entry point. */
export interface RunState {
  exitCode: ExitCode;
}

export const reportError = (io: Io, error: AppError): ExitCode => {
  const rendered = renderError(error);
  if (io.json === true) io.err(jsonErrorLine(error._tag, rendered.message, rendered.exit));
  else io.err(`${io.errStyle.red('error:')} ${rendered.message}`);
  return rendered.exit;
};

/**
 * Runs a command that needs the catalog: opens it, runs, renders a typed error as one
 * line, and always closes the database.
 */
export const withApp = async (
  io: Io,
  state: RunState,
  globals: GlobalOptions,
  action: (opened: OpenedApp) => ActionResult | Promise<ActionResult>,
): Promise<void> => {
  const opened = await openApp(io, globals);
  if (E.isLeft(opened)) {
    state.exitCode = reportError(io, opened.left);
    return;
  }
  try {
    const result = await action(opened.right);
    state.exitCode = E.isLeft(result) ? reportError(io, result.left) : result.right;
  } finally {
    await opened.right.close();
  }
};

export const ok: ActionResult = E.right(EXIT.OK);

export { printJson } from './json';

/** Runs a command that needs no catalog (reading a picture, printing labels by id): same error rendering, no database opened. */
export const withoutApp = async (io: Io, state: RunState, action: () => ActionResult | Promise<ActionResult>): Promise<void> => {
  const result = await action();
  state.exitCode = E.isLeft(result) ? reportError(io, result.left) : result.right;
};
