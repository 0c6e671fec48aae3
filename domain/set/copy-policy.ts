/**
 * What a set's copy policy asks of each job: as many places holding it as the set's
 * `copies` (the original counts as one), and, once there are two or more, not all of
 * them in one location (one fire or flood would take them all: the 3-2-1 practice).
 */
export type CopyProblem = 'TOO_FEW_COPIES' | 'ONE_PLACE';

export interface CopyShortfall {
  readonly problem: CopyProblem;
  /** How many places hold the job, and how many the set asks for. */
  readonly copies: number;
  readonly required: number;
}

/** The problem with a job held at `locations` (one entry per place holding it) under a set asking for `required` copies; undefined: none. */
export const copyShortfall = (required: number, locations: readonly string[]): CopyShortfall | undefined => {
  const copies = locations.length;
  if (copies < required) return { problem: 'TOO_FEW_COPIES', copies, required };
  if (required >= 2 && new Set(locations).size === 1) return { problem: 'ONE_PLACE', copies, required };
  return undefined;
};
