import * as E from 'fp-ts/Either';
import type { App } from '../application/app';
import type { AppError } from '../application/errors';
import { sealedNames, type Names } from '../application/entry-names';
import { tapeIdFromInput } from '../application/tape-id-input';
import { unlockTape, type Secrets } from '../application/unlock';

/** A passphrase typed in the page, and nothing else: the page asks no second question. */
const pageSecrets = (passphrase: string): Secrets => ({
  keyFile: undefined,
  passphrase: async () => E.right(passphrase === '' ? undefined : passphrase),
  newPassphrase: async () => E.left({ _tag: 'SecretNeeded', what: 'a new passphrase', options: 'the CLI' }),
  keyPassphrase: async () => undefined,
});

/** An encrypted tape's names opened with the passphrase typed in the page (the application's own unlock). */
export const unlockNames = async (app: App, tapeInput: string, passphrase: string): Promise<E.Either<AppError, { tape: string; names: Names }>> => {
  const tape = tapeIdFromInput(tapeInput);
  if (E.isLeft(tape)) return tape;
  if ((await app.catalog.tape(tape.right)) === undefined) return E.left({ _tag: 'TapeNotRegistered', tape: tape.right });
  const keys = await unlockTape(app, tape.right, pageSecrets(passphrase));
  return E.map((k: { names: Parameters<typeof sealedNames>[0] }) => ({ tape: tape.right, names: sealedNames(k.names) }))(keys);
};
