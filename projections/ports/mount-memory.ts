/**
 * Where each tape was last found mounted on this machine: a convenience for the next
 * command (tried before the drive and the default folder), not catalog data: it is
 * never an event and a rebuild does not touch it.
 */
export interface MountMemory {
  lastSeen(tape: string): Promise<string | undefined>;
  remember(tape: string, path: string, at: string): Promise<void>;
}
