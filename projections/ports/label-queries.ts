export interface LabelView {
  readonly name: string;
  readonly color: string;
  readonly createdAt: string;
  /** How many tapes carry it. */
  readonly tapes: number;
}

export interface TapeLabelView {
  readonly name: string;
  readonly color: string;
}

/** The read side of labels (the coloured tags): definitions, and the labels of each tape (sorted by name). */
export interface LabelQueries {
  labels(): Promise<LabelView[]>;
  /** Every tape's labels: tapes without labels are absent. */
  byTape(): Promise<ReadonlyMap<string, readonly TapeLabelView[]>>;
  ofTape(tape: string): Promise<readonly TapeLabelView[]>;
  /** The tapes that carry a label. */
  tapesWith(label: string): Promise<string[]>;
}
