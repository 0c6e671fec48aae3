import type { MountSource } from '../../application/tape-session';
import type { Style } from './style';

const VIA: Record<MountSource, string> = {
  option: 'given with --mount',
  remembered: 'where it was last seen',
  drive: 'the configured drive',
  default: 'folder-backed tape in the data folder (no --mount and no drive configured)',
};

export const describeMount = (path: string, via: MountSource, style: Style): string => `at ${path} ${style.dim(`(${VIA[via]})`)}`;
