import * as fs from 'node:fs';

/**
 * Fault injection for crash tests, through the environment only (no option, no config):
 *
 * - `LTO_CRASH_AT=<point>` kills the process with SIGKILL the first time it reaches that
 *   point, exactly as a power cut there would; `LTO_CRASH_AT=<point>#<n>` at the n-th time.
 * - `LTO_STOP_AT=<point>[#<n>][,...]` stops the process there with SIGSTOP instead (a test
 *   then acts while it is frozen mid-job: a second backup, a file system filling up)
 *   and lets it go on with SIGCONT.
 * - `LTO_CRASH_TRACE=<file>` appends the name of every point reached, one a line, so a
 *   test can list a run's moments and then pick some (seeded) to crash at.
 *
 * Without the variables this is a no-op.
 */
export const crashPointFromEnv = (env: NodeJS.ProcessEnv): ((name: string) => void) => {
  const kill = parseTarget('LTO_CRASH_AT', env['LTO_CRASH_AT']);
  // Several stops, comma-separated: a test acts at each (reads a counter, then SIGCONT).
  const stops = (env['LTO_STOP_AT'] ?? '').split(',').flatMap((part) => parseTarget('LTO_STOP_AT', part) ?? []);
  const trace = env['LTO_CRASH_TRACE'];
  if (kill === undefined && stops.length === 0 && trace === undefined) return () => undefined;
  const hits = new Map<string, number>();
  return (name) => {
    if (trace !== undefined) fs.appendFileSync(trace, `${name}\n`);
    const n = (hits.get(name) ?? 0) + 1;
    hits.set(name, n);
    if (kill?.name === name && kill.nth === n) process.kill(process.pid, 'SIGKILL');
    if (stops.some((stop) => stop.name === name && stop.nth === n)) process.kill(process.pid, 'SIGSTOP');
  };
};

const parseTarget = (variable: string, value: string | undefined): { readonly name: string; readonly nth: number } | undefined => {
  if (value === undefined || value === '') return undefined;
  const match = /^([a-z-]+)(?:#([1-9][0-9]*))?$/.exec(value);
  if (match === null) throw new Error(`${variable} must be <point> or <point>#<n>, not ${JSON.stringify(value)}`);
  return { name: match[1] ?? value, nth: Number(match[2] ?? '1') };
};
