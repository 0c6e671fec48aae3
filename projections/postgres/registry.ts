import type { Projection } from '../projection';
import { PROJECTIONS } from '../registry';
import { searchProjection } from '../search';
import { toPostgresDdl } from './dialect';
import { pgSearchProjection } from './search-projection';

/**
 * The catalog's projections on PostgreSQL, in the same order: each one's own statements
 * and its schema translated (dialect.ts), but for the name index, which has a form of
 * its own (FTS5 has no PostgreSQL twin).
 */
export const PG_PROJECTIONS: readonly Projection[] = PROJECTIONS.map((p) =>
  p.name === searchProjection.name ? pgSearchProjection : { ...p, schema: p.schema.map(toPostgresDdl) },
);
