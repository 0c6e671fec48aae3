import type { KeyObject } from 'node:crypto';
import * as E from 'fp-ts/Either';
import { tapeStream } from '../domain/events';
import type { KeySlot } from '../domain/key-slots';
import { tapeDecider } from '../domain/tape/tape';
import type { TapeId } from '../domain/tape-id';
import { passphraseSlot, rsaSlot } from '../infrastructure/crypto/key-slot-sealing';
import type { App } from './app';
import type { AppError } from './errors';
import { handle } from './handle';
import { openTapeSessionIfMounted } from './tape-session';
import { unlockTape, type Secrets } from './unlock';

/** What `tape keys` shows of a slot: never anything secret. */
export interface SlotView {
  readonly id: string;
  readonly kind: 'passphrase' | 'rsa';
  readonly created: string;
  /** rsa: SHA-256 of the public key (DER); passphrase: the KDF and its cost. */
  readonly fingerprint: string | null;
  readonly detail: string;
}

export const slotView = (slot: KeySlot): SlotView =>
  slot.kind === 'rsa'
    ? { id: slot.id, kind: 'rsa', created: slot.created, fingerprint: slot.fingerprint, detail: `RSA-OAEP-SHA256, ${slot.bits} bits` }
    : { id: slot.id, kind: 'passphrase', created: slot.created, fingerprint: null, detail: `scrypt N=2^${slot.kdf.logN} r=${slot.kdf.r} p=${slot.kdf.p}` };

export const listKeySlots = async (app: App, tape: TapeId): Promise<E.Either<AppError, SlotView[]>> => {
  const known = await app.catalog.tape(tape);
  if (known === undefined) return E.left({ _tag: 'TapeNotRegistered', tape });
  if (!known.encrypted) return E.left({ _tag: 'TapeNotEncrypted', tape });
  return E.right((await app.catalog.keySlots(tape)).map(slotView));
};

export type NewSlot = { readonly kind: 'passphrase'; readonly passphrase: string } | { readonly kind: 'rsa'; readonly publicKey: KeyObject };

/**
 * Adds a key slot: the tape is unlocked first with an existing slot's secret (the new
 * slot wraps the same data key), then KeySlotAdded goes to the journal (or waits,
 * pending, for the next contact when the tape is not writable).
 */
export const addKeySlot = async (
  app: App,
  tape: TapeId,
  secrets: Secrets,
  newSlot: () => Promise<E.Either<AppError, NewSlot>>,
  mount: string | undefined,
): Promise<E.Either<AppError, { slot: SlotView; pending: boolean }>> => {
  const listed = await listKeySlots(app, tape);
  if (E.isLeft(listed)) return listed;
  const keys = await unlockTape(app, tape, secrets);
  if (E.isLeft(keys)) return keys;
  const wanted = await newSlot();
  if (E.isLeft(wanted)) return wanted;
  const created = app.clock().toISOString();
  const slot =
    wanted.right.kind === 'passphrase'
      ? passphraseSlot(tape, keys.right.dataKey, wanted.right.passphrase, created)
      : rsaSlot(tape, keys.right.dataKey, wanted.right.publicKey, created);
  const session = await openTapeSessionIfMounted(app, tape, mount);
  if (E.isLeft(session)) return session;
  const recorded = await handle(app, tapeDecider, tapeStream(tape), { type: 'AddKeySlot', tape, slot }, { to: 'journal', tape, session: session.right, yieldIfBusy: true });
  return E.map((r: { readonly pending: boolean }) => ({ slot: slotView(slot), pending: r.pending }))(recorded);
};
