/** An argument as a POSIX shell reads it back: bare when safe, else in single quotes. */
export const shellQuote = (arg: string): string => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);

/** `lto backup 000012L5 '/home/me/My Photos'`: the command line a menu choice runs. */
export const commandLine = (args: readonly string[]): string => ['lto', ...args].map(shellQuote).join(' ');
