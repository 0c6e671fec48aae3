import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as E from 'fp-ts/Either';
import { capacityOf, parseBarcode, TapeId } from '../../../domain/tape-id';

describe('tape ids are LTO barcodes', () => {
  it('splits serial and media code and knows the generation', () => {
    assert.deepEqual(parseBarcode('000012L5'), E.right({ serial: '000012', mediaCode: 'L5', generation: 'L5' }));
    assert.deepEqual(parseBarcode('ABC123LA'), E.right({ serial: 'ABC123', mediaCode: 'LA', generation: 'LA' }));
    assert.deepEqual(parseBarcode('ABC123PA'), E.right({ serial: 'ABC123', mediaCode: 'PA', generation: 'PA' }));
    // Earlier versions took L10: tapes and catalogs carrying it still read (a new tape is refused it).
    assert.deepEqual(parseBarcode('ABC123L10'), E.right({ serial: 'ABC123', mediaCode: 'L10', generation: 'L10' }));
    assert.deepEqual(parseBarcode('ABC123LZ'), E.right({ serial: 'ABC123', mediaCode: 'LZ', generation: 'LZ' }));
  });

  it('accepts an unknown 2-character media code without a generation (it must then be given)', () => {
    assert.deepEqual(parseBarcode('000012XY'), E.right({ serial: '000012', mediaCode: 'XY', generation: undefined }));
  });

  it('refuses malformed ids, showing the expected form', () => {
    for (const bad of ['', '12L5', '00012L5', '000012l5', '0000-2L5', '000012L', '000012L99', '000012XYZ', ' 000012L5']) {
      const parsed = parseBarcode(bad);
      assert.ok(E.isLeft(parsed) && parsed.left._tag === 'MalformedBarcode', bad);
      assert.ok(E.isLeft(parsed) && parsed.left._tag === 'MalformedBarcode' && /000012L5/.test(parsed.left.expected));
    }
  });

  it('refuses cleaning cartridges', () => {
    const parsed = parseBarcode('CLN001L1');
    assert.ok(E.isLeft(parsed) && parsed.left._tag === 'CleaningCartridge');
  });

  it('decodes through the TapeId codec, never casts', () => {
    assert.ok(TapeId.is('000012L5'));
    assert.ok(!TapeId.is('CLN001L1'));
    assert.ok(E.isLeft(TapeId.decode(42)));
  });

  it('gives native capacities from the generation table', () => {
    assert.equal(capacityOf('L5'), 1.5e12);
    assert.equal(capacityOf('M8'), 9e12);
    assert.equal(capacityOf('L9'), 18e12);
    assert.equal(capacityOf('LA'), 30e12);
    assert.equal(capacityOf('PA'), 40e12);
  });
});
