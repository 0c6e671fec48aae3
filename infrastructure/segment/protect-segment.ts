import { protectFile } from '../tape/ltfs-attributes';
import { segmentPath } from '../tape/layout';

/**
 * A closed segment is never written again: on an LTFS mount that offers it, it is marked
 * immutable (`ltfs.vendor.IBM.immutable`). Returns whether it was; a plain folder says no.
 */
export const protectClosedSegment = (mountRoot: string, job: string, segment: number): boolean =>
  protectFile(mountRoot, segmentPath(mountRoot, job, segment));
