import type { BackupMode } from '../../domain/events';
import type { Names } from '../entry-names';
import type { Catalog } from '../../projections/ports/catalog';

/** `--full`, `--incremental`, or neither: the tape's catalog decides (`auto`). */
export type ModeRequest = 'full' | 'incremental' | 'auto';

export interface ChosenMode {
  readonly mode: BackupMode;
  /** Why, in a sentence a person reads after "full:" or "incremental:". */
  readonly reason: string;
}

/**
 * As Bareos does: without `--full` or `--incremental`, a backup is incremental when the
 * tape already holds these sources (their roots are in its catalog and not deleted), so
 * the same data is not written again; else full. A source new to the tape is written
 * whole either way (an incremental takes what the catalog lacks as new).
 */
export const chooseMode = async (
  catalog: Catalog,
  tape: string,
  roots: readonly string[],
  names: Names,
  request: ModeRequest,
  set?: { readonly name: string; readonly tapes: readonly string[] },
): Promise<ChosenMode> => {
  const holder = set === undefined ? tape : `set ${set.name}`;
  if (request === 'full') return { mode: 'FULL', reason: '--full: every file is written again' };
  if (request === 'incremental') return { mode: 'INCREMENTAL', reason: `--incremental: only what is new or changed since the ${set === undefined ? 'tape' : 'set'}'s latest backup of these sources` };
  const state = await catalog.baseline(tape, set?.tapes);
  const held = roots.filter((root) => {
    const latest = state.latest(names.path(root));
    return latest !== undefined && latest.kind !== 'deleted';
  });
  if (held.length === 0) return { mode: 'FULL', reason: `${holder} holds no earlier backup of ${roots.length === 1 ? 'this source' : 'these sources'}` };
  const fresh = roots.length - held.length;
  return {
    mode: 'INCREMENTAL',
    reason: `${holder} already holds ${held.length === roots.length ? (roots.length === 1 ? 'this source' : 'these sources') : `${held.length} of ${roots.length} sources (the other ${fresh} written whole)`}; only what is new or changed is written (--full writes everything again)`,
  };
};
