import type { CatalogCheck } from '../projections/check';
import type { CatalogRunner } from '../projections/runner';
import type { EventStore } from '../infrastructure/event-store/event-store';
import type { App } from './app';

export interface RebuildResult {
  readonly events: number;
  readonly ms: number;
}

/** Drops every projection and replays the event store through the same projections. */
export const rebuildCatalog = async (runner: CatalogRunner, store: EventStore, now: () => number): Promise<RebuildResult> => {
  const started = now();
  const events = await runner.rebuild(store);
  return { events, ms: now() - started };
};

/** Proves the live projections equal a fresh replay of every event. */
export const verifyCatalog = (app: App): Promise<CatalogCheck> => app.catalog.check();
