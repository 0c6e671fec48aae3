import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import * as E from 'fp-ts/Either';
import { checkDomainEvent } from '../../../domain/event-check';
import { decodeDomainEvent } from '../../../domain/events';
import { REPO_ROOT } from '../../support/cli';

/** Every event of every golden fixture's journal: what tapes of this format hold. */
const goldenEvents = (): { type: string; schema: number; data: unknown }[] => {
  const fixtures = path.join(REPO_ROOT, 'test', 'fixtures');
  return fs
    .readdirSync(fixtures)
    .map((name) => path.join(fixtures, name, 'LTO-ARCHIVE', 'journal.ndjson'))
    .filter((file) => fs.existsSync(file))
    .flatMap((file) => fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== ''))
    .map((line) => (JSON.parse(line) as { event: { type: string; schema: number; data: unknown } }).event);
};

/** Data changed so that one field breaks its codec (or does not). */
const variants = (data: unknown): unknown[] => {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return [];
  const record = data as Record<string, unknown>;
  const out: unknown[] = [];
  for (const key of Object.keys(record)) {
    for (const value of [undefined, null, -1, 1.5, 'x', '', [], {}, 2 ** 53]) out.push({ ...record, [key]: value });
  }
  const entries = record['entries'];
  if (Array.isArray(entries) && entries.length > 0) {
    for (const field of ['size', 'mtimeNs', 'kind', 'sha256', 'extent', 'sparse', 'inode', 'path']) {
      for (const value of [-1, 'zz', null, [[1, -2]], { offset: 0 }, 12]) out.push({ ...record, entries: [...entries, { ...(entries[0] as object), [field]: value }] });
    }
  }
  return out;
};

describe('checkDomainEvent', () => {
  it('says what decodeDomainEvent says, for every golden event and thousands of altered ones', () => {
    const events = goldenEvents();
    assert.ok(events.length > 50, `golden events: ${events.length}`);
    let lefts = 0;
    for (const e of events) {
      for (const data of [e.data, ...variants(e.data)]) {
        for (const schema of [e.schema, 0, 2]) {
          const fast = checkDomainEvent(e.type, schema, data);
          const slow = decodeDomainEvent(e.type, schema, data);
          assert.deepEqual(fast, slow, `${e.type} schema ${schema}: ${JSON.stringify(data).slice(0, 200)}`);
          if (E.isLeft(fast)) lefts++;
        }
      }
    }
    assert.ok(lefts > 1000, 'the altered events include many invalid ones');
  });

  it('keeps an event of a type it does not know as unknown', () => {
    assert.deepEqual(checkDomainEvent('SomethingNew', 1, {}), E.left({ _tag: 'UnknownEventType', type: 'SomethingNew' }));
  });
});
