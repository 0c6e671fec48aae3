import { inTapeOrder, tapeRank } from '../domain/tape-order';
import { ltfsProduct, tapePosition } from '../infrastructure/tape/ltfs-attributes';
import { segmentPath } from '../infrastructure/tape/layout';

/** A segment's place in tape order: a number that sorts like its (partition, start block). */
export type SegmentRank = (job: string, segment: number) => number;

/**
 * On an LTFS mount, the rank of each segment by where it starts on tape (read once per
 * segment); undefined on a plain folder, where the catalog's order (job, segment) stays.
 */
export const segmentRanker = (mount: string): SegmentRank | undefined => {
  if (ltfsProduct(mount) === undefined) return undefined;
  const ranks = new Map<string, number>();
  return (job, segment) => {
    const key = `${job}/${segment}`;
    let rank = ranks.get(key);
    if (rank === undefined) {
      rank = tapeRank(tapePosition(segmentPath(mount, job, segment)));
      ranks.set(key, rank);
    }
    return rank;
  };
};

/** Segments to read, in tape order on an LTFS mount that reports start blocks; unchanged elsewhere. */
export const segmentsInTapeOrder = <A extends { readonly job: string; readonly segment: number }>(mount: string, items: readonly A[]): readonly A[] =>
  ltfsProduct(mount) === undefined ? items : inTapeOrder(items, (item) => tapePosition(segmentPath(mount, item.job, item.segment)));
