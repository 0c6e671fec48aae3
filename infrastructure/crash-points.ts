/**
 * Fault injection for crash tests: `LTO_CRASH_AT=<point>` makes the process kill itself
 * with SIGKILL when it reaches that point, exactly as a power cut there would. Without
 * the variable this is a no-op.
 */
export const crashPointFromEnv =
  (env: NodeJS.ProcessEnv) =>
  (name: string): void => {
    if (env['LTO_CRASH_AT'] === name) process.kill(process.pid, 'SIGKILL');
  };
