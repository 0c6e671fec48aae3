/**
 * Where a file's first extent lies on tape, as an LTFS mount reports it (`ltfs.partition`,
 * `ltfs.startblock`). Reading many files in (partition, start block) order avoids seeks
 * back and forth: the biggest restore speed-up on real tape.
 */
export interface TapePosition {
  /** `a` (index partition) or `b` (data partition) on LTFS; empty when not reported. */
  readonly partition: string;
  readonly startBlock: number;
}

const BLOCKS_PER_PARTITION = 2 ** 40;

/**
 * One number that sorts like (partition, start block); unknown positions sort after every
 * known one. Start blocks stay far below 2^40 (an 18 TB tape has ~36 million 512 KiB blocks).
 */
export const tapeRank = (position: TapePosition | undefined): number => {
  if (position === undefined) return Number.MAX_SAFE_INTEGER;
  const partition = position.partition.length === 0 ? 0 : Math.min(position.partition.charCodeAt(0), 255);
  return partition * BLOCKS_PER_PARTITION + Math.min(position.startBlock, BLOCKS_PER_PARTITION - 1);
};

/**
 * `items` in tape order by their positions (a stable sort: items without a position keep
 * their order, after those with one). When no position is known, the order is unchanged.
 */
export const inTapeOrder = <A>(items: readonly A[], positionOf: (item: A) => TapePosition | undefined): readonly A[] => {
  const ranked = items.map((item, index) => ({ item, index, rank: tapeRank(positionOf(item)) }));
  if (ranked.every((r) => r.rank === Number.MAX_SAFE_INTEGER)) return items;
  return ranked.sort((a, b) => a.rank - b.rank || a.index - b.index).map((r) => r.item);
};
