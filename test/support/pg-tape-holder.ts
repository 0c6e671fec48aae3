/**
 * A host holding a tape in the shared catalog, to kill (test/integration/pg-tape-holds.test.ts):
 * takes tape argv[3] in PostgreSQL argv[2], says `holding` (or `refused`), and then never lets go.
 */
import * as E from 'fp-ts/Either';
import { PgTapeHolds } from '../../infrastructure/holds/pg-tape-holds';

const [url, tape] = process.argv.slice(2);
if (url === undefined || tape === undefined) throw new Error('usage: pg-tape-holder CONNECTION_STRING TAPE');
void (async () => {
  const holds = await PgTapeHolds.open(url);
  const taken = await holds.take(tape, { host: 'host-a.example', pid: process.pid, command: 'lto backup', since: '2026-12-08T04:00:00.000Z' });
  process.stdout.write(E.isRight(taken) ? 'holding\n' : 'refused\n');
  await new Promise(() => undefined);
})();
