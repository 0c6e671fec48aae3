import * as t from 'io-ts';

type TypesOf<C extends readonly t.Mixed[]> = { readonly [K in keyof C]: C[K] extends t.Mixed ? t.TypeOf<C[K]> : never };

/**
 * An io-ts codec for a fixed-length array of the given element codecs: the row format
 * the worker threads use for per-file answers (an object per file would cost more to
 * copy between threads). Unlike t.tuple it takes any number of columns, and its `is`
 * allocates nothing (it runs once per file on the hot paths).
 */
export const row = <C extends readonly [t.Mixed, ...t.Mixed[]]>(name: string, ...columns: C): t.Type<TypesOf<C>> => {
  const is = (u: unknown): u is TypesOf<C> => {
    if (!Array.isArray(u) || u.length !== columns.length) return false;
    for (let i = 0; i < columns.length; i++) if (columns[i]?.is(u[i]) !== true) return false;
    return true;
  };
  return new t.Type(name, is, (u, context) => (is(u) ? t.success(u) : t.failure(u, context)), t.identity);
};
