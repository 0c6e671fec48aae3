import * as E from 'fp-ts/Either';
import { cartridgeMismatch } from '../domain/cartridge';
import { decodeDomainEvent, tapeStream } from '../domain/events';
import type { TapeId } from '../domain/tape-id';
import type { LtfsIdentity } from '../infrastructure/tape/ltfs-attributes';
import type { App } from './app';
import type { AppError } from './errors';

/** The LTFS volume UUID recorded when the tape was added on an LTFS mount (its TapeInitialised), if any. */
export const recordedLtfsVolume = (app: App, tape: TapeId): string | undefined => {
  for (const stored of app.store.readStream(tapeStream(tape))) {
    if (stored.type !== 'TapeInitialised') continue;
    const decoded = decodeDomainEvent(stored.type, stored.schema, stored.data);
    if (E.isRight(decoded) && decoded.right.type === 'TapeInitialised') return decoded.right.data.ltfsVolumeUuid;
  }
  return undefined;
};

/**
 * On an LTFS mount, the cartridge itself must be the tape: its barcode (cartridge memory,
 * else the LTFS volume serial) must name it, and its LTFS volume UUID must be the one
 * recorded when it was added. A plain folder says nothing, and passes.
 */
export const checkLtfsCartridge = (
  app: App,
  tape: TapeId,
  mount: string,
  identity: LtfsIdentity | undefined,
): E.Either<AppError, void> => {
  if (identity === undefined) return E.right(undefined);
  const mismatch = cartridgeMismatch(tape, identity);
  if (mismatch !== undefined) return E.left({ _tag: 'CartridgeBarcodeMismatch', tape, mount, cartridge: mismatch });
  const recorded = recordedLtfsVolume(app, tape);
  if (recorded === undefined || identity.volumeUuid === undefined || recorded === identity.volumeUuid) return E.right(undefined);
  return E.left({ _tag: 'DifferentCartridge', tape, mount, expectedVolume: recorded, foundVolume: identity.volumeUuid });
};
