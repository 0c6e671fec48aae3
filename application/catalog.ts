import type Database from 'better-sqlite3';
import { checkCatalog, type CatalogCheck } from '../projections/check';
import { tapeHistoryOf } from './compose';
import { PROJECTIONS } from '../projections/registry';
import type { ProjectionRunner } from '../projections/runner';
import type { EventStore } from '../infrastructure/event-store/event-store';

export interface RebuildResult {
  readonly events: number;
  readonly ms: number;
}

/** Drops every projection and replays the event store through the same projections. */
export const rebuildCatalog = async (runner: ProjectionRunner, store: EventStore, now: () => number): Promise<RebuildResult> => {
  const started = now();
  const events = await runner.rebuild(store);
  return { events, ms: now() - started };
};

/** Proves the live projections equal a fresh replay of every event. */
export const verifyCatalog = (db: Database.Database, store: EventStore): Promise<CatalogCheck> => checkCatalog(db, store, PROJECTIONS, tapeHistoryOf(store));
