import * as fs from 'node:fs';
import * as path from 'node:path';
import * as E from 'fp-ts/Either';
import { EventEnvelope } from '../../domain/envelope';
import { encodeRecord, sha256Hex } from '../../infrastructure/journal/journal-record';

/**
 * Rewrites a folder tape as another writer would have written it: each event through
 * `editEvent`, the label through `editLabel`, and the journal chained and summed again
 * from the (new) label, so every record still verifies. For tests of what a reader does
 * with a tape it did not write (a newer version's fields), never for damage.
 */
export const rewriteTape = (
  mount: string,
  edit: { readonly editEvent?: (event: EventEnvelope) => EventEnvelope; readonly editLabel?: (label: Record<string, unknown>) => Record<string, unknown> },
): void => {
  const dir = path.join(mount, 'LTO-ARCHIVE');
  const labelFile = path.join(dir, 'volume.json');
  if (edit.editLabel !== undefined) {
    const label: unknown = JSON.parse(fs.readFileSync(labelFile, 'utf8'));
    if (typeof label !== 'object' || label === null) throw new Error('volume.json is not an object');
    fs.writeFileSync(labelFile, `${JSON.stringify(edit.editLabel({ ...label }), null, 2)}\n`);
  }
  const journal = path.join(dir, 'journal.ndjson');
  let prev = sha256Hex(fs.readFileSync(labelFile));
  const lines: Buffer[] = [];
  for (const text of fs.readFileSync(journal, 'utf8').split('\n').filter((l) => l !== '')) {
    const record: unknown = JSON.parse(text);
    const event = typeof record === 'object' && record !== null && 'event' in record ? EventEnvelope.decode(record.event) : undefined;
    if (event === undefined || E.isLeft(event)) throw new Error(`not a journal record: ${text.slice(0, 80)}`);
    const encoded = encodeRecord(lines.length / 2 + 1, prev, (edit.editEvent ?? ((e) => e))(event.right));
    if (E.isLeft(encoded)) throw new Error(encoded.left.join('; '));
    lines.push(encoded.right.line, Buffer.from('\n'));
    prev = encoded.right.hash;
  }
  fs.writeFileSync(journal, Buffer.concat(lines));
};
