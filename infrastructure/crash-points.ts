import * as fs from 'node:fs';

/**
 * Fault injection for crash tests, through the environment only (no option, no config):
 *
 * - `LTO_CRASH_AT=<point>` kills the process with SIGKILL the first time it reaches that
 *   point, exactly as a power cut there would; `LTO_CRASH_AT=<point>#<n>` at the n-th time.
 * - `LTO_CRASH_TRACE=<file>` appends the name of every point reached, one a line, so a
 *   test can list a run's moments and then pick some (seeded) to crash at.
 *
 * Without the variables this is a no-op.
 */
export const crashPointFromEnv = (env: NodeJS.ProcessEnv): ((name: string) => void) => {
  const target = parseTarget(env['LTO_CRASH_AT']);
  const trace = env['LTO_CRASH_TRACE'];
  if (target === undefined && trace === undefined) return () => undefined;
  let hits = 0;
  return (name) => {
    if (trace !== undefined) fs.appendFileSync(trace, `${name}\n`);
    if (target === undefined || target.name !== name) return;
    hits += 1;
    if (hits === target.nth) process.kill(process.pid, 'SIGKILL');
  };
};

const parseTarget = (value: string | undefined): { readonly name: string; readonly nth: number } | undefined => {
  if (value === undefined || value === '') return undefined;
  const match = /^([a-z-]+)(?:#([1-9][0-9]*))?$/.exec(value);
  if (match === null) throw new Error(`LTO_CRASH_AT must be <point> or <point>#<n>, not ${JSON.stringify(value)}`);
  return { name: match[1] ?? value, nth: Number(match[2] ?? '1') };
};
