import { ArchivedMetadata } from '../../domain/events';
import type { Names } from '../entry-names';

/**
 * An entry's catalogued metadata (the `meta` column: ArchivedMetadata as JSON) with its
 * sealed texts opened: owner names and attributes are texts of the entry's path, a hard
 * link's first name a path. Text that does not decode stays as it is: the restore
 * writer reports it.
 */
export const openMetadata = (names: Names, storedPath: string, meta: string | null | undefined): string | null => {
  if (meta === undefined || meta === null) return null;
  if (!names.sealed) return meta;
  let json: unknown;
  try {
    json = JSON.parse(meta);
  } catch {
    return meta;
  }
  const decoded = ArchivedMetadata.decode(json);
  if (decoded._tag === 'Left') return meta;
  const m = decoded.right;
  const link = m.link === undefined ? undefined : names.tryOpen(m.link);
  return JSON.stringify({
    ...(m.uname === undefined ? {} : { uname: names.openText(storedPath, m.uname) }),
    ...(m.gname === undefined ? {} : { gname: names.openText(storedPath, m.gname) }),
    ...(m.xattrs === undefined ? {} : { xattrs: names.openText(storedPath, m.xattrs) }),
    ...(link === undefined ? {} : { link }),
    ...(m.sparse === undefined ? {} : { sparse: m.sparse }),
  });
};
