import * as fs from 'node:fs';

/**
 * Is process `pid` (on this host) still running? A zombie is not: a process killed
 * together with its parent stays a zombie for good when PID 1 does not reap orphans
 * (containers without an init), and `kill(pid, 0)` still succeeds on it. The crash
 * campaign found a crashed backup left RUNNING for ever that way.
 */
export const isProcessAlive = (pid: number): boolean => {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    return error instanceof Error && 'code' in error && error.code === 'EPERM';
  }
  return !isZombie(pid);
};

/** Linux: the state letter after the command name in /proc/<pid>/stat; elsewhere unknown (not a zombie). */
const isZombie = (pid: number): boolean => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
};
