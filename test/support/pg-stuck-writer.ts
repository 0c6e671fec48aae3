/**
 * A writer to kill mid-transaction (test/integration/pg-event-store.test.ts): it appends
 * two events to PostgreSQL (argv[2]) with a hook that says `in-transaction` once the
 * events are written, inside the still-open transaction, and then never returns.
 */
import { PgEventStore } from '../../infrastructure/event-store/pg-event-store';
import { envelopes } from './store-fixtures';

const url = process.argv[2];
if (url === undefined) throw new Error('usage: pg-stuck-writer CONNECTION_STRING');
void (async () => {
  const store = await PgEventStore.open(url);
  store.onAppend(async () => {
    process.stdout.write('in-transaction\n');
    await new Promise(() => undefined);
  });
  await store.append(envelopes('job-killed', 2));
})();
