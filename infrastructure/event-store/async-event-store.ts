import type { EventStore } from './event-store';

/**
 * The event store port in its asynchronous form (prompts/async-spec.md, issue 21): every
 * method a Promise, `readAll` an Observable, `onAppend` left to each adapter, plus
 * `close`. Derived from the port so that it stays the same type once the port itself is
 * asynchronous (`Awaited` flattens either form); then `EventStore` replaces it.
 */
export type AsyncEventStore = {
  readonly [K in Exclude<keyof EventStore, 'onAppend' | 'readAll'>]: (
    ...args: Parameters<EventStore[K]>
  ) => Promise<Awaited<ReturnType<EventStore[K]>>>;
} & {
  readAll: EventStore['readAll'];
  /** Releases the store (its connections); nothing may be asked after. */
  close(): Promise<void>;
};
