import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { addTape } from '../../application/add-tape';
import { verifyCatalog } from '../../application/rebuild-catalog';
import { describeTape } from '../../application/describe-tape';
import { changeTapeLabel, createLabel, deleteLabel } from '../../application/tags';
import { TapeId } from '../../domain/tape-id';
import { testApp } from '../support/app';

type Op =
  | { kind: 'add'; serial: number; description: string }
  | { kind: 'describe'; serial: number; description: string }
  | { kind: 'label-create'; label: string; color: string }
  | { kind: 'label-delete'; label: string }
  | { kind: 'label-assign' | 'label-unassign'; serial: number; label: string };

const labelName = fc.constantFrom('archive', 'offsite', 'Photos-2019');

const barcode = (serial: number): string => `${String(serial).padStart(6, '0')}L7`;

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), serial: fc.integer({ min: 1, max: 4 }), description: fc.string({ maxLength: 12 }) }),
  fc.record({ kind: fc.constant('describe' as const), serial: fc.integer({ min: 1, max: 4 }), description: fc.string({ maxLength: 12 }) }),
  fc.record({ kind: fc.constant('label-create' as const), label: labelName, color: fc.constantFrom('#ff8800', '#00f', '#123abc') }),
  fc.record({ kind: fc.constant('label-delete' as const), label: labelName }),
  fc.record({ kind: fc.constantFrom('label-assign' as const, 'label-unassign' as const), serial: fc.integer({ min: 1, max: 4 }), label: labelName }),
);

const dump = (db: import('better-sqlite3').Database) => ({
  tapes: db.prepare('SELECT * FROM tapes ORDER BY id').all(),
  info: db.prepare('SELECT * FROM tape_info ORDER BY tape').all(),
  jobs: db.prepare('SELECT * FROM jobs ORDER BY id').all(),
  labels: db.prepare('SELECT * FROM labels ORDER BY name').all(),
  tapeLabels: db.prepare('SELECT * FROM tape_labels ORDER BY tape, label').all(),
});

describe('catalog replay', () => {
  it('live projections equal a fresh replay after any sequence of commands, and a rebuild changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 16 }), async (ops) => {
        const t = await testApp();
        try {
          for (const o of ops) {
            if (o.kind === 'label-create') await createLabel(t.app, o.label, o.color);
            else if (o.kind === 'label-delete') await deleteLabel(t.app, o.label);
            else if (o.kind === 'label-assign' || o.kind === 'label-unassign') {
              await changeTapeLabel(t.app, o.kind === 'label-assign' ? 'assign' : 'unassign', barcode(o.serial), o.label, undefined);
            } else if (o.kind === 'add') {
              await addTape(t.app, { barcode: barcode(o.serial), mount: t.mountPoint(barcode(o.serial)), description: o.description, generation: undefined });
            } else if (o.kind === 'describe') {
              const id = barcode(o.serial);
              if (TapeId.is(id)) await describeTape(t.app, id, o.description, undefined);
            }
          }
          const check = await verifyCatalog(t.app);
          assert.deepEqual(check.differences, []);
          const before = dump(t.db);
          await t.runner.rebuild(t.app.store);
          assert.deepEqual(dump(t.db), before);
        } finally {
          t.close();
        }
      }),
      { numRuns: 40 },
    );
  });

  it('a catalog check notices a projection that drifted from the events', async () => {
    const t = await testApp();
    try {
      const added = await addTape(t.app, { barcode: '000001L7', mount: t.mountPoint('a'), description: 'x', generation: undefined });
      assert.ok(E.isRight(added));
      t.db.prepare('UPDATE jobs SET files = 99').run();
      const check = await verifyCatalog(t.app);
      assert.deepEqual(check.differences.map((d) => d.table), ['jobs']);
    } finally {
      t.close();
    }
  });
});
