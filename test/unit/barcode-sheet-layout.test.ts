import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LABEL_SIZE, PAPERS, Paper, placeLabels, sheetGrid } from '../../infrastructure/barcode/sheet-layout';

const PAPER_SIZES = Object.keys(PAPERS).filter(Paper.is);

describe('label sheet layout', () => {
  it('puts 2 columns of LTO-sized labels on A4 and on US Letter, with more rows on the taller A4', () => {
    assert.deepEqual(LABEL_SIZE, { width: 78.2, height: 16.9 });
    const a4 = sheetGrid('a4');
    const letter = sheetGrid('letter');
    assert.deepEqual([a4.columns, a4.rows], [2, 14]);
    assert.deepEqual([letter.columns, letter.rows], [2, 13]);
  });

  for (const paper of PAPER_SIZES) {
    it(`keeps every label on a ${PAPERS[paper].name} page inside a 10 mm margin, none overlapping`, () => {
      const page = PAPERS[paper];
      const grid = sheetGrid(paper);
      const places = placeLabels(grid.columns * grid.rows, paper);
      for (const p of places) {
        assert.equal(p.page, 0);
        assert.ok(p.x >= 10 && p.y >= 10, JSON.stringify(p));
        assert.ok(p.x + LABEL_SIZE.width <= page.width - 10 && p.y + LABEL_SIZE.height <= page.height - 10, JSON.stringify(p));
      }
      places.forEach((a, i) =>
        places.slice(i + 1).forEach((b) => {
          const apart = Math.abs(a.x - b.x) >= LABEL_SIZE.width || Math.abs(a.y - b.y) >= LABEL_SIZE.height;
          assert.ok(apart, `${JSON.stringify(a)} overlaps ${JSON.stringify(b)}`);
        }),
      );
    });
  }

  it('fills a page row by row, left to right, then starts the next page at its top-left', () => {
    const grid = sheetGrid('a4');
    const perPage = grid.columns * grid.rows;
    const places = placeLabels(perPage + 1, 'a4');
    const [first, second, third] = places;
    assert.ok(first!.x < second!.x && first!.y === second!.y, 'the second label sits right of the first');
    assert.ok(third!.y > first!.y && third!.x === first!.x, 'the third label starts the second row');
    assert.deepEqual(places[perPage], { ...first!, page: 1 });
  });
});
