import * as t from 'io-ts';
import type { ArchivedEntry } from './events';

/**
 * Format features (docs/FORMAT.md, "Format features"): what a tape or a job uses that a
 * reader without it would misread rather than refuse. A writer names each feature it
 * used (volume.json `features` for the whole tape, `JobStarted` / `SegmentClosed`
 * `features` for one job), and a reader refuses to restore, verify or recover what
 * needs a feature it does not know, the way restic refuses a repository version it
 * does not know and borg a mandatory feature. A tape or job that uses none carries
 * none, so it stays readable by every earlier version.
 */
export const KNOWN_FEATURES = [
  /** Entries with `extent`: a piece of a file split across tapes (an older reader takes it for the whole file). */
  'split-files',
  /** Entries with `sparse`: the member holds GNU tar's sparse map then the data (an older reader restores the map as the file's bytes). */
  'sparse-files',
  /** Entries with `link`: a second name sharing the first name's data (an older reader finds no data for it). */
  'hard-links',
] as const;
export type FormatFeature = (typeof KNOWN_FEATURES)[number];

/**
 * As read: any names, so that an event naming a feature this version does not know still
 * decodes (the job is listed and catalogued) and is refused only where it would be misread.
 */
export const FeatureList = t.array(t.string);
export type FeatureList = t.TypeOf<typeof FeatureList>;

const known: ReadonlySet<string> = new Set(KNOWN_FEATURES);

/** The features in `features` this version does not know, each once, in the order met. */
export const unknownFeatures = (features: Iterable<string>): string[] => [...new Set([...features].filter((f) => !known.has(f)))];

/** The features a set of entries uses, in the order of KNOWN_FEATURES (empty when none). */
export const featuresOfEntries = (entries: Iterable<ArchivedEntry>): FormatFeature[] => {
  const used = new Set<FormatFeature>();
  for (const e of entries) {
    if (e.extent !== undefined) used.add('split-files');
    if (e.sparse !== undefined) used.add('sparse-files');
    if (e.link !== undefined) used.add('hard-links');
    if (used.size === KNOWN_FEATURES.length) break;
  }
  return KNOWN_FEATURES.filter((f) => used.has(f));
};

/** One line for a refusal: which feature(s) and what to do. */
export const describeUnknownFeatures = (features: readonly string[]): string =>
  `${features.length === 1 ? 'format feature' : 'format features'} ${features.map((f) => JSON.stringify(f)).join(', ')} that this version of lto does not know (it knows ${KNOWN_FEATURES.join(', ')}): use a newer lto`;
