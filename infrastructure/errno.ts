/** Node's system errors carry a string `code` (ENOENT, EROFS, ENOSPC...). */
export const isErrno = (error: unknown, ...codes: string[]): error is NodeJS.ErrnoException =>
  error instanceof Error && 'code' in error && typeof error.code === 'string' && codes.includes(error.code);

export const errnoCode = (error: unknown): string =>
  error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : 'EUNKNOWN';

export const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The errors a write-protected cartridge or a read-only mount answers with. */
export const READ_ONLY_CODES = ['EROFS', 'EACCES', 'EPERM'] as const;
export const isReadOnlyError = (error: unknown): boolean => isErrno(error, ...READ_ONLY_CODES);
