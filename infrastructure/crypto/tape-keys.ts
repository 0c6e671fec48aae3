import { hkdfSync, randomBytes } from 'node:crypto';
import { NameSealer } from './name-sealer';

/** Bytes of the data key (AES-256) and of every key derived from it. */
export const KEY_BYTES = 32;

const derive = (dataKey: Buffer, purpose: string, salt: Buffer = Buffer.alloc(0)): Buffer =>
  Buffer.from(hkdfSync('sha256', dataKey, salt, `lto-archive/1 ${purpose}`, KEY_BYTES));

/**
 * The keys of one unlocked tape, all derived from its data key with HKDF-SHA256, one
 * per purpose, so no key ever serves two ciphers. They live in memory only.
 */
export class TapeKeys {
  readonly names: NameSealer;
  /** HMAC-SHA256 key for content hashes: the tape does not confirm that it holds a known file. */
  readonly contentKey: Buffer;

  constructor(readonly dataKey: Buffer) {
    if (dataKey.length !== KEY_BYTES) throw new RangeError('a data key is 32 bytes');
    this.names = new NameSealer(derive(dataKey, 'names'), derive(dataKey, 'name-nonces'));
    this.contentKey = derive(dataKey, 'content-hash');
  }

  /** The AES-256-GCM key of one segment, from the random salt in its header. */
  segmentKey(salt: Buffer): Buffer {
    return derive(this.dataKey, 'segment', salt);
  }

  static generate(): TapeKeys {
    return new TapeKeys(randomBytes(KEY_BYTES));
  }
}
