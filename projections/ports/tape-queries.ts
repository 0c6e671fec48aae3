import type { KeySlot } from '../../domain/key-slots';
import type { Generation } from '../../domain/tape-id';

export interface TapeView {
  readonly id: string;
  readonly generation: Generation;
  readonly capacityBytes: number;
  readonly usedBytes: number;
  readonly description: string;
  readonly encrypted: boolean;
  readonly state: string;
}

export interface TapeInfoView {
  readonly format: string;
  readonly volumeUuid: string;
  readonly initialisedAt: string;
  readonly initialisedByJob: string;
  readonly jobsTotal: number;
  readonly lastJobId: string | null;
  readonly lastJobAt: string | null;
}

/** The read side of tapes: what `tape list` and `tape show` print, and an encrypted tape's key slots. */
export interface TapeQueries {
  tapes(): Promise<TapeView[]>;
  tape(id: string): Promise<TapeView | undefined>;
  tapeInfo(id: string): Promise<TapeInfoView | undefined>;
  /** An encrypted tape's key slots, oldest first (a slot that does not decode is left out). */
  keySlots(tape: string): Promise<KeySlot[]>;
  /** Archived file versions (and their bytes) on each tape, by tape id. */
  storedFiles(): Promise<Map<string, { files: number; bytes: number }>>;
}
