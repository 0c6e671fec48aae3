import type { SlotPool } from '../threads/slot-pool';
import type { Chunk } from './segment-output';

/** What copying a file's data through chunk buffers needs of the segment writer. */
export interface ChunkFeed {
  readonly memory: Buffer;
  /** The chunk buffers (chunkBytes each). */
  readonly chunks: SlotPool;
  readonly chunkBytes: number;
  /** Hands a filled chunk to be hashed and written in segment order. */
  readonly submit: (chunk: Chunk) => void;
}
