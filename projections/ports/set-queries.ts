export interface SetView {
  readonly name: string;
  readonly copies: number;
  readonly description: string;
  readonly createdAt: string;
}

export interface SetMemberView {
  readonly tape: string;
  readonly set: string;
  readonly joinedAt: string;
  /** Where the tape is now (`library` until it is moved). */
  readonly location: string;
}

/** The read side of tape sets and tape locations (projections/sets.ts, locations.ts). */
export interface SetQueries {
  sets(): Promise<SetView[]>;
  set(name: string): Promise<SetView | undefined>;
  /** A set's tapes (registered here), in the order they joined it. */
  tapesOf(set: string): Promise<SetMemberView[]>;
  /** Every registered tape that is in a set, by tape. */
  members(): Promise<ReadonlyMap<string, SetMemberView>>;
  /** Whether a backup went on from this tape to another because it was full (a span part ended on it with a next part). */
  continuedFrom(tape: string): Promise<boolean>;
  /** Where a tape is now. */
  location(tape: string): Promise<string>;
  /** Every moved tape's location (a tape absent is in the library). */
  locations(): Promise<ReadonlyMap<string, string>>;
}
