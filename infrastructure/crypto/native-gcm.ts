import { loadAddon } from '../native-addon';

/**
 * AES-256-GCM of one segment chunk through the system's libcrypto (native/segment-gcm, an
 * N-API addon built by `npm run build:native`), between buffers the caller owns: no
 * allocation and no copy per chunk. Output is byte for byte that of node:crypto (a property
 * test holds both to it). Undefined when the addon was not built or does not load, or
 * LTO_NATIVE_GCM=0: then node:crypto does the work (segment-chunks).
 */
export interface NativeGcm {
  /** Writes ciphertext || tag (plain.length + 16 bytes) to `out`. */
  seal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plain: Uint8Array, out: Uint8Array): void;
  /** Decrypts ciphertext || tag into `out`; false (and `out` zeroed) when the tag does not verify. */
  open(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array, out: Uint8Array): boolean;
}

const load = (): NativeGcm | undefined => {
  const addon = loadAddon('segment-gcm', 'segment_gcm.node', 'LTO_NATIVE_GCM');
  if (addon === undefined || !('seal' in addon) || !('open' in addon)) return undefined;
  const { seal, open } = addon;
  if (typeof seal !== 'function' || typeof open !== 'function') return undefined;
  return {
    seal: (key, nonce, aad, plain, out) => {
      Reflect.apply(seal, undefined, [key, nonce, aad, plain, out]);
    },
    open: (key, nonce, aad, sealed, out) => Reflect.apply(open, undefined, [key, nonce, aad, sealed, out]) === true,
  };
};

export const nativeGcm: NativeGcm | undefined = load();
