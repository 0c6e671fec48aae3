import type * as t from 'io-ts';

/**
 * Brands a freshly generated id. The generator makes UUIDv7s, which every id codec
 * accepts; a failure here is a bug in the generator, not bad input.
 */
export const mintId = <A>(codec: t.Type<A, unknown, unknown>, raw: string): A => {
  const decoded = codec.decode(raw);
  if (decoded._tag === 'Left') throw new Error(`generated id ${raw} is not a valid ${codec.name}`);
  return decoded.right;
};
