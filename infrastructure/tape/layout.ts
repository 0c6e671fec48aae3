import * as path from 'node:path';
import { ARCHIVE_DIR } from './volume-label-file';

/** `LTO-ARCHIVE/jobs/<job-id>/<n>.tar`: plain ASCII names only (ltfs-facts.md). */
export const segmentRelativePath = (job: string, segment: number): string => `${ARCHIVE_DIR}/jobs/${job}/${segment}.tar`;

export const segmentPath = (mountRoot: string, job: string, segment: number): string =>
  path.join(mountRoot, ARCHIVE_DIR, 'jobs', job, `${segment}.tar`);
