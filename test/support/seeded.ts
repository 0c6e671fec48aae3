/**
 * A small seeded PRNG (mulberry32): fault campaigns pick their moments from it, so a
 * failing run is replayed exactly by giving the same seed.
 */
export const seededRandom = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

/** The seed from `name` in the environment (set it to replay a failure), else `fallback`. */
export const seedFrom = (name: string, fallback: number): number => {
  const raw = process.env[name];
  return raw !== undefined && /^[0-9]+$/.test(raw) ? Number(raw) : fallback;
};

/** A whole-number setting from the environment (e.g. FUZZ_RUNS), else `fallback`. */
export const countFrom = (name: string, fallback: number): number => {
  const raw = process.env[name];
  return raw !== undefined && /^[1-9][0-9]*$/.test(raw) ? Number(raw) : fallback;
};

/** Bytes that do not compress and do not repeat, the same in every run. */
export const seededBytes = (size: number, seed: number): Buffer => {
  const random = seededRandom(seed);
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4) out.writeUInt32LE(Math.floor(random() * 2 ** 32), i);
  return out;
};
