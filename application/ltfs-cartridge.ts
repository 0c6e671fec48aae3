import * as E from 'fp-ts/Either';
import { cartridgeMismatch } from '../domain/cartridge';
import { decodeDomainEvent, tapeStream } from '../domain/events';
import type { TapeId } from '../domain/tape-id';
import type { LtfsIdentity } from '../infrastructure/tape/ltfs-attributes';
import type { App } from './app';
import type { AppError } from './errors';
import type { UndecodableEvent } from './handle';

/**
 * The LTFS volume UUID recorded when the tape was added on an LTFS mount (its first
 * TapeInitialised), if any. That event not decoding is refused, named, never skipped:
 * skipping it would pass any cartridge.
 */
export const recordedLtfsVolume = async (app: App, tape: TapeId): Promise<E.Either<UndecodableEvent, string | undefined>> => {
  const stream = tapeStream(tape);
  const initialised = (await app.store.readStream(stream)).find((stored) => stored.type === 'TapeInitialised');
  if (initialised === undefined) return E.right(undefined);
  const decoded = decodeDomainEvent(initialised.type, initialised.schema, initialised.data);
  if (E.isLeft(decoded)) return E.left({ _tag: 'UndecodableEvent', stream, version: initialised.version, type: initialised.type, problem: decoded.left });
  return E.right(decoded.right.type === 'TapeInitialised' ? decoded.right.data.ltfsVolumeUuid : undefined);
};

/**
 * On an LTFS mount, the cartridge itself must be the tape: its barcode (cartridge memory,
 * else the LTFS volume serial) must name it, and its LTFS volume UUID must be the one
 * recorded when it was added. A plain folder says nothing, and passes.
 */
export const checkLtfsCartridge = async (
  app: App,
  tape: TapeId,
  mount: string,
  identity: LtfsIdentity | undefined,
): Promise<E.Either<AppError, void>> => {
  if (identity === undefined) return E.right(undefined);
  const mismatch = cartridgeMismatch(tape, identity);
  if (mismatch !== undefined) return E.left({ _tag: 'CartridgeBarcodeMismatch', tape, mount, cartridge: mismatch });
  const recorded = await recordedLtfsVolume(app, tape);
  if (E.isLeft(recorded)) return recorded;
  const expected = recorded.right;
  if (expected === undefined || identity.volumeUuid === undefined || expected === identity.volumeUuid) return E.right(undefined);
  return E.left({ _tag: 'DifferentCartridge', tape, mount, expectedVolume: expected, foundVolume: identity.volumeUuid });
};
