import * as path from 'node:path';

/**
 * Loads one of the optional N-API addons in native/ (built by `npm run prepare`, so by
 * `npm ci`, where a C compiler and Node's headers are), or undefined: not built, does not
 * load here, or turned off by its environment variable set to 0. Each caller checks the
 * functions it needs and falls back without them.
 */
export const loadAddon = (folder: string, file: string, switchVariable: string): object | undefined => {
  if (process.env[switchVariable] === '0') return undefined;
  const module: { exports: unknown } = { exports: {} };
  try {
    process.dlopen(module, path.join(__dirname, '..', '..', 'native', folder, 'build', 'Release', file));
  } catch {
    return undefined;
  }
  const addon = module.exports;
  return typeof addon === 'object' && addon !== null ? addon : undefined;
};
