import * as E from 'fp-ts/Either';
import { CURRENT_SCHEMA, DomainEvent, decodeDomainEvent, type EventDecodeProblem } from './events';

const currentSchemas: ReadonlyMap<string, number> = new Map(Object.entries(CURRENT_SCHEMA));

/**
 * What `decodeDomainEvent` says, sooner for the usual event: one at the current schema
 * whose data is valid (a journal this version wrote). That is checked structurally
 * (`is`: no decoding context, no Either per field), about 3x faster for a FilesArchived
 * of 2000 entries, which matters when a recovery checks a million entries. The domain
 * codecs only refine, never transform, so `is` accepts exactly what `decode` does; an
 * older schema (upcast) or invalid data goes through `decodeDomainEvent`, which says why.
 */
export const checkDomainEvent = (type: string, schema: number, data: unknown): E.Either<EventDecodeProblem, DomainEvent> => {
  if (currentSchemas.get(type) === schema) {
    const candidate = { type, data };
    if (DomainEvent.is(candidate)) return E.right(candidate);
  }
  return decodeDomainEvent(type, schema, data);
};
