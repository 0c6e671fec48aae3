import * as E from 'fp-ts/Either';
import { isTapeId } from '../domain/tape-id';
import type { TapeEventEntry } from '../infrastructure/event-store/event-store';
import type { App } from './app';
import type { AppError } from './errors';
import type { NameDecoder } from './search';
import { tapeIdFromInput } from './tape-id-input';

export interface AuditRow {
  readonly tape: string;
  readonly entry: TapeEventEntry;
  /** The job the event belongs to, when it is a job's. */
  readonly job: string | null;
  /**
   * How to show a path of this tape: as stored on a plain tape, decoded on an unlocked
   * encrypted tape, `null` when the tape is encrypted and locked.
   */
  readonly showPath: ((storedPath: string) => string) | null;
}

const jobOf = (data: unknown): string | null =>
  typeof data === 'object' && data !== null && 'job' in data && typeof data.job === 'string' ? data.job : null;

/**
 * Every event of every tape (or of one), oldest first by the order the catalog stored
 * them, with the tape and job each belongs to. Names of an encrypted tape stay locked
 * unless a decoder for it is given.
 */
export const auditLog = async (
  app: App,
  input: { readonly tape?: string; readonly nameDecoders?: ReadonlyMap<string, NameDecoder> },
): Promise<E.Either<AppError, readonly AuditRow[]>> => {
  const only = input.tape === undefined ? E.right(undefined) : tapeIdFromInput(input.tape);
  if (E.isLeft(only)) return only;
  if (only.right !== undefined && (await app.catalog.tape(only.right)) === undefined && (await app.store.tapeEvents(only.right)).length === 0) {
    return E.left({ _tag: 'TapeNotRegistered', tape: only.right });
  }
  const tapes = (await app.catalog.tapes()).filter((t) => only.right === undefined || t.id === only.right);
  const rows: AuditRow[] = [];
  for (const t of tapes) {
    if (!isTapeId(t.id)) continue;
    const decode = input.nameDecoders?.get(t.id);
    const showPath = !t.encrypted ? (p: string) => p : (decode ?? null);
    for (const entry of await app.store.tapeEvents(t.id)) rows.push({ tape: t.id, entry, job: jobOf(entry.event.data), showPath });
  }
  return E.right(only.right === undefined ? [...rows].sort((a, b) => a.entry.event.position - b.entry.event.position) : rows);
};
