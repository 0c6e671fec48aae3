import * as E from 'fp-ts/Either';
import { decodeDomainEvent, type DomainEvent } from '../../domain/events';
import { formatBytes, shortId } from './format';
import { displayName } from '../../domain/name-bytes';

const summarise = (event: DomainEvent, showPath: (storedPath: string) => string): string => {
  switch (event.type) {
    case 'TapeInitialised':
      return `initialised as ${event.data.generation}${event.data.description === '' ? '' : `: "${event.data.description}"`}`;
    case 'TapeDescribed':
      return `description: "${event.data.description}"`;
    case 'KeySlotAdded':
      return `key slot ${event.data.slot.id} (${event.data.slot.kind}${event.data.slot.kind === 'rsa' ? ` ${event.data.slot.fingerprint.slice(0, 16)}` : ''}) added`;
    case 'JobStarted':
      return `job ${shortId(event.data.job)} ${event.data.type}${event.data.mode === undefined ? '' : ` ${event.data.mode}`} started`;
    case 'JobCompleted':
      return `job ${shortId(event.data.job)} SUCCESS: ${event.data.files} files, ${formatBytes(event.data.bytesWritten)} written`;
    case 'JobFailed':
      return `job ${shortId(event.data.job)} FAILED: ${event.data.reason}`;
    case 'JobInterrupted':
      return `job ${shortId(event.data.job)} INTERRUPTED: ${event.data.reason}`;
    case 'SegmentClosed':
      return `job ${shortId(event.data.job)} segment ${event.data.segment} closed: ${event.data.entries} entries, ${formatBytes(event.data.bytes)}`;
    case 'FilesArchived':
      return `job ${shortId(event.data.job)} segment ${event.data.segment}: ${event.data.entries.length} entries archived`;
    case 'SegmentsLost':
      return `job ${shortId(event.data.job)} segment(s) ${event.data.segments.join(', ')} lost: ${event.data.reason}`;
    case 'FilesDeleted':
      return `job ${shortId(event.data.job)}: ${event.data.paths.length} path(s) gone since the last backup`;
    case 'JobWarned':
      return `job ${shortId(event.data.job)}: ${event.data.warnings.length} warning(s), first: ${displayName(showPath(event.data.warnings[0]?.path ?? ''))} (${displayName(event.data.warnings[0]?.reason ?? '')})`;
    case 'LabelCreated':
      return `label ${event.data.label} created (${event.data.color})`;
    case 'LabelDeleted':
      return `label ${event.data.label} deleted`;
    case 'TapeLabelled':
      return `label ${event.data.label} assigned`;
    case 'TapeUnlabelled':
      return `label ${event.data.label} removed`;
    case 'TapeForgotten':
      return 'forgotten by this catalog (`lto tape forget`): still on its own journal';
    case 'TapeRecalled':
      return 'read back by `lto recover`: in this catalog again';
    case 'SetCreated':
      return `tape set ${event.data.set} created (${event.data.copies} cop${event.data.copies === 1 ? 'y' : 'ies'})`;
    case 'TapeJoinedSet':
      return `joined tape set ${event.data.set}`;
    case 'TapeMoved':
      return `moved to ${displayName(event.data.location)}`;
    case 'TapeRetired':
      return event.data.forced ? `retired with --force (${event.data.lost.length} job(s) had not their copies elsewhere)` : 'retired';
    case 'TapeMigrated':
      return `migrated to ${event.data.to.join(', ')} (${event.data.jobs} job(s))`;
    default: {
      const unhandled: never = event;
      return JSON.stringify(unhandled);
    }
  }
};

/** What a path of an encrypted tape shows while no key unlocks it. */
export const LOCKED_NAME = '(name locked)';

/**
 * One readable line for an event of any schema this version reads. `showPath` turns a
 * stored path into what may be shown (decoded, or locked on an encrypted tape).
 */
export const eventSummary = (type: string, schema: number, data: unknown, showPath: ((storedPath: string) => string) | null = (p) => p): string => {
  const decoded = decodeDomainEvent(type, schema, data);
  return E.isRight(decoded) ? summarise(decoded.right, showPath ?? (() => LOCKED_NAME)) : `(${type}, schema ${schema}: not readable by this version)`;
};
