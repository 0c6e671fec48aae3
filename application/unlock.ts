import type { KeyObject } from 'node:crypto';
import * as E from 'fp-ts/Either';
import type { KeySlot } from '../domain/key-slots';
import type { TapeId } from '../domain/tape-id';
import { isEncryptedKeyFile, loadPrivateKey, type KeyFileProblem } from '../infrastructure/crypto/key-files';
import { unlockSlots } from '../infrastructure/crypto/key-slot-sealing';
import { TapeKeys } from '../infrastructure/crypto/tape-keys';
import type { App } from './app';
import type { AppError } from './errors';
import { PLAIN_NAMES, sealedNames, type Names } from './entry-names';
import { tapeIdFromInput } from './tape-id-input';
import type { TapeView } from '../projections/ports/tape-queries';

/**
 * Where secrets come from, decided by the CLI: options, environment, or a hidden
 * prompt on a terminal. Each answers undefined when it has no way to get one.
 */
export interface Secrets {
  /** A private key file (--key) to try on the tape's RSA slots. */
  readonly keyFile: string | undefined;
  /** The passphrase to unlock with (LTO_PASSPHRASE, --passphrase-file, or asked once). */
  passphrase(tape: TapeId): Promise<E.Either<AppError, string | undefined>>;
  /** A new passphrase, for `what` (a tape's new slot, a key file), asked twice on a terminal. */
  newPassphrase(what: string): Promise<E.Either<AppError, string>>;
  /** The passphrase of an encrypted private key file (LTO_KEY_PASSPHRASE, or asked). */
  keyPassphrase(path: string): Promise<string | undefined>;
}

export interface Unlocked {
  readonly keys: TapeKeys;
  readonly names: Names;
}

/** The options that give a secret without a terminal, for the one-line error. */
export const SECRET_OPTIONS = '--key FILE, --passphrase-file FILE or LTO_PASSPHRASE (and LTO_KEY_PASSPHRASE for an encrypted key file)';

/** A private key file, asking for its own passphrase only when it is encrypted. */
export const privateKeyFrom = async (secrets: Secrets, path: string): Promise<E.Either<AppError, KeyObject>> => {
  const encrypted = isEncryptedKeyFile(path);
  if (typeof encrypted !== 'boolean') return E.left(encrypted);
  let passphrase: string | undefined;
  if (encrypted) {
    passphrase = await secrets.keyPassphrase(path);
    if (passphrase === undefined) return E.left({ _tag: 'SecretNeeded', what: `the passphrase of ${path}`, options: 'LTO_KEY_PASSPHRASE, or run on a terminal' });
  }
  const loaded = loadPrivateKey(path, passphrase);
  return isKey(loaded) ? E.right(loaded) : E.left(loaded);
};

const isKey = (value: KeyObject | KeyFileProblem): value is KeyObject => !('_tag' in value);

/** The secret that opened a tape: kept only as long as a command needs it (to bind its slots to a copy tape). */
export interface OpeningSecret {
  readonly passphrase?: string;
  readonly privateKey?: KeyObject;
}

/**
 * Unlocks an encrypted tape with the secret given: a private key (--key) is tried on the
 * RSA slots, else the passphrase on the passphrase slots. The slot's AEAD tag is the
 * only check; no hash of any key is kept. WrongKey when nothing opens.
 */
export const unlockTape = async (app: App, tape: TapeId, secrets: Secrets, slots?: readonly KeySlot[]): Promise<E.Either<AppError, TapeKeys>> =>
  E.map((opened: { readonly keys: TapeKeys }) => opened.keys)(await openTape(app, tape, secrets, slots));

/** As unlockTape, with the secret that opened it. */
export const openTape = async (
  app: App,
  tape: TapeId,
  secrets: Secrets,
  knownSlots?: readonly KeySlot[],
): Promise<E.Either<AppError, { readonly keys: TapeKeys; readonly secret: OpeningSecret }>> => {
  const slots = knownSlots ?? (await app.catalog.keySlots(tape));
  if (slots.length === 0) return E.left({ _tag: 'NoKeySlots', tape });
  if (secrets.keyFile !== undefined) {
    const key = await privateKeyFrom(secrets, secrets.keyFile);
    if (E.isLeft(key)) return key;
    if (!slots.some((s) => s.kind === 'rsa')) return E.left({ _tag: 'WrongKey', tape, tried: 'private key', detail: 'the tape has no RSA slot' });
    const dataKey = unlockSlots(tape, slots, { privateKey: key.right });
    return dataKey === undefined
      ? E.left({ _tag: 'WrongKey', tape, tried: 'private key', detail: 'it opens none of its RSA slots' })
      : E.right({ keys: new TapeKeys(dataKey), secret: { privateKey: key.right } });
  }
  if (!slots.some((s) => s.kind === 'passphrase')) {
    return E.left({ _tag: 'SecretNeeded', what: `a private key for tape ${tape} (it has only RSA slots)`, options: '--key FILE' });
  }
  const given = await secrets.passphrase(tape);
  if (E.isLeft(given)) return given;
  const passphrase = given.right;
  if (passphrase === undefined) return E.left({ _tag: 'SecretNeeded', what: `the passphrase of tape ${tape}`, options: SECRET_OPTIONS });
  const dataKey = unlockSlots(tape, slots, { passphrase });
  return dataKey === undefined
    ? E.left({ _tag: 'WrongKey', tape, tried: 'passphrase', detail: 'it opens none of its slots' })
    : E.right({ keys: new TapeKeys(dataKey), secret: { passphrase } });
};

/** A tape's names and keys for a command: plain tapes need nothing; encrypted ones are unlocked. */
export const unlockIfEncrypted = async (app: App, tape: TapeId, secrets: Secrets): Promise<E.Either<AppError, Unlocked | undefined>> => {
  if ((await app.catalog.tape(tape))?.encrypted !== true) return E.right(undefined);
  const keys = await unlockTape(app, tape, secrets);
  return E.map((k: TapeKeys): Unlocked => ({ keys: k, names: sealedNames(k.names) }))(keys);
};

/**
 * The tape a job names: registered, and unlocked when it is encrypted; its names as the
 * job reads and writes them. `withoutKey` lets an encrypted tape through locked (a
 * verify of ciphertext hashes only), with the option that allows it named in the refusal.
 */
export const tapeForJob = async (
  app: App,
  input: string,
  unlocked: Unlocked | undefined,
  withoutKey?: { readonly allowed: boolean; readonly option: string },
): Promise<E.Either<AppError, { readonly tape: TapeId; readonly known: TapeView; readonly names: Names }>> => {
  const parsed = tapeIdFromInput(input);
  if (E.isLeft(parsed)) return parsed;
  const tape = parsed.right;
  const known = await app.catalog.tape(tape);
  if (known === undefined) return E.left({ _tag: 'TapeNotRegistered', tape });
  if (known.encrypted && unlocked === undefined && withoutKey?.allowed !== true) {
    return E.left({ _tag: 'SecretNeeded', what: `the key of tape ${tape}`, options: withoutKey === undefined ? 'an unlock' : `an unlock, or ${withoutKey.option}` });
  }
  return E.right({ tape, known, names: unlocked?.names ?? PLAIN_NAMES });
};

/**
 * `tape add NEW --key-of SRC`: SRC unlocked (its passphrase asked as a restore asks it),
 * for NEW to take its data key: copies of SRC's jobs onto NEW stay sealed as they are.
 */
export const keyOfTape = async (app: App, input: string, secrets: Secrets): Promise<E.Either<AppError, { readonly tape: TapeId; readonly dataKey: Buffer; readonly slots: readonly KeySlot[]; readonly secret: OpeningSecret }>> => {
  const parsed = tapeIdFromInput(input);
  if (E.isLeft(parsed)) return parsed;
  const tape = parsed.right;
  const known = await app.catalog.tape(tape);
  if (known === undefined) return E.left({ _tag: 'TapeNotRegistered', tape });
  if (!known.encrypted) return E.left({ _tag: 'TapeNotEncrypted', tape });
  const slots = await app.catalog.keySlots(tape);
  const opened = await openTape(app, tape, secrets, slots);
  return E.map((o: { readonly keys: TapeKeys; readonly secret: OpeningSecret }) => ({ tape, dataKey: o.keys.dataKey, slots, secret: o.secret }))(opened);
};
