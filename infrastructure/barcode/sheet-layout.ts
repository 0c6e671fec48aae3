import * as t from 'io-ts';

/** Page sizes in millimetres. */
export const PAPERS = {
  a4: { name: 'A4', width: 210, height: 297 },
  letter: { name: 'US Letter', width: 215.9, height: 279.4 },
} as const;
export const Paper = t.keyof(PAPERS);
export type Paper = t.TypeOf<typeof Paper>;

/** The label of an LTO cartridge: it fits the cartridge's recessed label area (millimetres). */
export const LABEL_SIZE = { width: 78.2, height: 16.9 } as const;

/** Room to cut between labels, and a margin that office printers can print in. */
const GAP = { column: 6, row: 2 } as const;
const MIN_MARGIN = 10;

export interface Grid {
  readonly columns: number;
  readonly rows: number;
  /** Top-left corner of the first label: the grid is centred on the page. */
  readonly left: number;
  readonly top: number;
}

const fit = (space: number, size: number, gap: number): number => Math.floor((space - 2 * MIN_MARGIN + gap) / (size + gap));
const span = (count: number, size: number, gap: number): number => count * size + (count - 1) * gap;

export const sheetGrid = (paper: Paper): Grid => {
  const page = PAPERS[paper];
  const columns = fit(page.width, LABEL_SIZE.width, GAP.column);
  const rows = fit(page.height, LABEL_SIZE.height, GAP.row);
  return {
    columns,
    rows,
    left: (page.width - span(columns, LABEL_SIZE.width, GAP.column)) / 2,
    top: (page.height - span(rows, LABEL_SIZE.height, GAP.row)) / 2,
  };
};

/** Where one label goes: page (from 0) and its top-left corner in millimetres from the page's top-left. */
export interface Placement {
  readonly page: number;
  readonly x: number;
  readonly y: number;
}

/** Labels fill each page row by row, left to right: the order a person reads the ids in. */
export const placeLabels = (count: number, paper: Paper): Placement[] => {
  const grid = sheetGrid(paper);
  const perPage = grid.columns * grid.rows;
  return Array.from({ length: count }, (_, i) => {
    const slot = i % perPage;
    const column = slot % grid.columns;
    const row = Math.floor(slot / grid.columns);
    return {
      page: Math.floor(i / perPage),
      x: grid.left + column * (LABEL_SIZE.width + GAP.column),
      y: grid.top + row * (LABEL_SIZE.height + GAP.row),
    };
  });
};
