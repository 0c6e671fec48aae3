import { copiesProjection } from './copies';
import { filesProjection } from './files';
import { jobsProjection } from './jobs';
import { labelsProjection } from './tags';
import { locationsProjection } from './locations';
import { searchProjection } from './search';
import { spansProjection } from './spans';
import type { Projection } from './projection';
import { setsProjection } from './sets';
import { tapesProjection } from './tapes';

/** Every projection of the catalog, in the order they are applied. */
export const PROJECTIONS: readonly Projection[] = [tapesProjection, jobsProjection, filesProjection, labelsProjection, searchProjection, spansProjection, setsProjection, locationsProjection, copiesProjection];
