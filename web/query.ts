/** One text field of a decoded query string or form body ('' when absent; the first of repeated ones). */
export const field = (source: unknown, key: string): string => {
  if (typeof source !== 'object' || source === null) return '';
  const value: unknown = Reflect.get(source, key);
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return '';
};

/** Every text value of a field that may repeat (checkboxes). */
export const fields = (source: unknown, key: string): string[] => {
  if (typeof source !== 'object' || source === null) return [];
  const value: unknown = Reflect.get(source, key);
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
};

/** An optional field: undefined when absent or empty. */
export const optional = (source: unknown, key: string): string | undefined => {
  const value = field(source, key);
  return value === '' ? undefined : value;
};
