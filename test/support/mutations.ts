import fc from 'fast-check';

/** One change to a byte string, as damage, a hostile writer or a torn write would make it. */
export type Mutation =
  | { readonly op: 'flip'; readonly at: number; readonly mask: number }
  | { readonly op: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly op: 'delete'; readonly at: number; readonly length: number }
  | { readonly op: 'truncate'; readonly at: number }
  | { readonly op: 'copy'; readonly from: number; readonly to: number; readonly length: number };

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 600 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('copy' as const), from: fc.nat(), to: fc.nat(), length: fc.integer({ min: 1, max: 1200 }) }),
);

/** 1 to 4 mutations: most inputs a fuzzer meets are nearly valid, which is where readers break. */
export const mutationsArb = fc.array(mutationArb, { minLength: 1, maxLength: 4 });

export const mutate = (input: Buffer, mutations: readonly Mutation[]): Buffer =>
  mutations.reduce((bytes: Buffer, m: Mutation): Buffer => {
    const n = bytes.length;
    const at = (x: number) => (n === 0 ? 0 : x % (n + 1));
    switch (m.op) {
      case 'flip': {
        if (n === 0) return bytes;
        const out = Buffer.from(bytes);
        const i = m.at % n;
        out[i] = (out[i] ?? 0) ^ m.mask;
        return out;
      }
      case 'insert':
        return Buffer.concat([bytes.subarray(0, at(m.at)), Buffer.from(m.bytes), bytes.subarray(at(m.at))]);
      case 'delete':
        return Buffer.concat([bytes.subarray(0, at(m.at)), bytes.subarray(at(m.at) + m.length)]);
      case 'truncate':
        return bytes.subarray(0, at(m.at));
      case 'copy': {
        // A block of the input repeated elsewhere: duplicated records, chunks, headers.
        const from = at(m.from);
        return Buffer.concat([bytes.subarray(0, at(m.to)), bytes.subarray(from, from + m.length), bytes.subarray(at(m.to))]);
      }
    }
  }, input);
