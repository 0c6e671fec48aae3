import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { driveReads, drivesReading, unreadableByCurrentDrives } from '../../../domain/drive-generations';

describe('drive generations: which drives read a cartridge', () => {
  it('LTO-10 reads only LTO-10; LTO-8 and LTO-9 one generation back; earlier drives two back', () => {
    assert.deepEqual(drivesReading('LA'), [10]);
    assert.deepEqual(drivesReading('PA'), [10]);
    assert.deepEqual(drivesReading('L9'), [9]);
    assert.deepEqual(drivesReading('L8'), [8, 9]);
    assert.deepEqual(drivesReading('L7'), [7, 8]);
    assert.deepEqual(drivesReading('M8'), [8]);
    assert.deepEqual(drivesReading('L6'), [6, 7]);
    assert.deepEqual(drivesReading('L5'), [5, 6, 7]);
    assert.equal(driveReads(10, 'L9'), false);
  });

  it('flags what no current drive (LTO-9, LTO-10) reads: LTO-7, Type M and older', () => {
    assert.deepEqual(
      (['L5', 'L6', 'L7', 'M8', 'L8', 'L9', 'LA', 'PA', 'LX', 'LY'] as const).filter((g) => unreadableByCurrentDrives(g)),
      ['L5', 'L6', 'L7', 'M8', 'LX'],
    );
    assert.equal(unreadableByCurrentDrives('L8', [10]), true, 'once LTO-9 drives are gone, LTO-8 goes too');
  });
});
