/**
 * Errors the event stores throw rather than return: each one means a bug in the caller
 * or a damaged local database, never something a user did. Domain outcomes (version
 * conflicts, import conflicts and gaps) are typed values in the port instead.
 */

/** An envelope that does not decode, or whose data or meta is not JSON. */
export class InvalidEnvelopeError extends Error {
  override readonly name = 'InvalidEnvelopeError';
  constructor(
    readonly id: unknown,
    readonly detail: string,
  ) {
    super(`event ${String(id)} is not a valid envelope: ${detail}`);
  }
}

/** An append of an id that is already stored: ids are minted fresh, so this is a bug. */
export class DuplicateEventIdError extends Error {
  override readonly name = 'DuplicateEventIdError';
  constructor(readonly id: string) {
    super(`event ${id} is already stored`);
  }
}

/** `markWritten` named an event the store does not hold. */
export class UnknownEventError extends Error {
  override readonly name = 'UnknownEventError';
  constructor(readonly id: string) {
    super(`event ${id} is not stored`);
  }
}

/** A placement that does not fit its events (seq count, seq values). */
export class InvalidPlacementError extends Error {
  override readonly name = 'InvalidPlacementError';
}

/** Two events claim the same journal seq of one tape: the journal and the store disagree. */
export class SeqTakenError extends Error {
  override readonly name = 'SeqTakenError';
  constructor(
    readonly tape: string,
    readonly seq: number,
    readonly heldBy: number,
    readonly claimedBy: number,
  ) {
    super(`seq ${seq} of tape ${tape} is held by the event at position ${heldBy}, not the one at ${claimedBy}`);
  }
}

/** A stored row that does not read back as an event: the local database is damaged. */
export class CorruptEventRowError extends Error {
  override readonly name = 'CorruptEventRowError';
  constructor(
    readonly position: unknown,
    readonly detail: string,
  ) {
    super(`stored event at position ${String(position)} is corrupt: ${detail}`);
  }
}
