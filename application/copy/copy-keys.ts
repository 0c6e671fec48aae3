import { timingSafeEqual } from 'node:crypto';
import * as E from 'fp-ts/Either';
import type { TapeId } from '../../domain/tape-id';
import type { TapeKeys } from '../../infrastructure/crypto/tape-keys';
import type { App } from '../app';
import type { AppError } from '../errors';
import { unlockTape, type Secrets } from '../unlock';

/**
 * The keys a copy between encrypted tapes needs. A copy keeps every byte of its
 * original (ciphertext segments, sealed names, keyed hashes), so it is readable only on
 * a tape that holds the same data key: one added with `lto tape add DST --key-of SRC`
 * (the source's slots bound to DST's id). Each tape is unlocked once per command and
 * the passphrase asked once: the same secret opens both.
 */
export class CopyKeys {
  private readonly opened = new Map<TapeId, E.Either<AppError, TapeKeys>>();
  private readonly secrets: Secrets | undefined;

  constructor(private readonly app: App, secrets: Secrets | undefined) {
    this.secrets = secrets === undefined ? undefined : askedOnce(secrets);
  }

  /** undefined: two plain tapes; the keys to check the segments with; or why this copy cannot be made. */
  async forCopy(from: TapeId, to: TapeId): Promise<E.Either<AppError, TapeKeys | undefined>> {
    const encrypted = new Set<TapeId>();
    for (const tape of [from, to]) if ((await this.app.catalog.tape(tape))?.encrypted === true) encrypted.add(tape);
    const sealed = (tape: TapeId): boolean => encrypted.has(tape);
    const refuse = (reason: string) => E.left<AppError>({ _tag: 'CopyRefused', from, to, reason });
    const addIt = `add a tape for its copies with \`lto tape add <barcode> --key-of ${from}\``;
    if (!sealed(from)) return sealed(to) ? refuse(`${from} is plain and ${to} encrypted: a copy keeps its original's bytes, so a plain tape is copied onto a plain one`) : E.right(undefined);
    if (!sealed(to)) return refuse(`${from} is encrypted and ${to} is not: ${addIt}`);
    const source = await this.unlock(from);
    if (E.isLeft(source)) return source;
    const target = await this.unlock(to);
    if (E.isLeft(target)) {
      return target.left._tag === 'WrongKey' ? refuse(`${to} does not open with the secret that opens ${from}: it was not added with --key-of ${from}`) : target;
    }
    if (!timingSafeEqual(source.right.dataKey, target.right.dataKey)) {
      return refuse(`${to} is sealed under another data key than ${from} (a copy keeps the names and data sealed under the original's key): ${addIt}`);
    }
    return E.right(source.right);
  }

  private async unlock(tape: TapeId): Promise<E.Either<AppError, TapeKeys>> {
    const known = this.opened.get(tape);
    if (known !== undefined) return known;
    const opened = this.secrets === undefined
      ? E.left<AppError>({ _tag: 'SecretNeeded', what: `the key of tape ${tape}`, options: 'an unlock' })
      : await unlockTape(this.app, tape, this.secrets);
    this.opened.set(tape, opened);
    return opened;
  }
}

/** The passphrase asked (or read) once for every tape of one command: a copy tape opens with its original's. */
const askedOnce = (secrets: Secrets): Secrets => {
  let answer: ReturnType<Secrets['passphrase']> | undefined;
  return {
    keyFile: secrets.keyFile,
    passphrase: (tape) => (answer ??= secrets.passphrase(tape)),
    newPassphrase: (what) => secrets.newPassphrase(what),
    keyPassphrase: (path) => secrets.keyPassphrase(path),
  };
};
