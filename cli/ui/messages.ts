/**
 * What the operator-facing commands (labels, search, report, logs, menu) say, in one
 * place: the wording stays consistent and is easy to review.
 */
export const MESSAGES = {
  labels: {
    created: (label: string) => `Label ${label} created.`,
    alreadyExists: (label: string) => `Label ${label} already exists with that colour: nothing to change.`,
    deleted: (label: string) => `Label ${label} deleted.`,
    none: 'No labels yet: create one with `lto label create <name> --color \'#rrggbb\'`.',
    assigned: (label: string, tape: string) => `Label ${label} put on ${tape}`,
    unassigned: (label: string, tape: string) => `Label ${label} taken off ${tape}`,
    alreadyAssigned: (label: string) => `The tape already has label ${label}: nothing to change.`,
    notAssigned: (label: string) => `The tape does not have label ${label}: nothing to change.`,
    pending: 'the tape was not writable, so the event is pending until it is next mounted writable.',
  },
  search: {
    none: (pattern: string) => `Nothing matches ${pattern}.`,
    count: (shown: number, total: number) => (shown === total ? `${total} match(es).` : `${shown} of ${total} matches shown: narrow the pattern or raise --limit.`),
    locked: (n: number) => `${n} tape${n === 1 ? '' : 's'} locked: unlock with --key/--passphrase to search ${n === 1 ? 'it' : 'them'}.`,
  },
  report: {
    none: 'No tapes yet: add one with `lto tape add <barcode>`.',
    written: (file: string) => `Report written to ${file}.`,
    neverVerified: 'never verified',
    noBackup: 'no backup yet',
  },
  logs: {
    written: (count: number, file: string) => `${count} event(s) written to ${file}.`,
    chooseFormat: 'exactly one of --csv FILE or --json',
  },
} as const;
