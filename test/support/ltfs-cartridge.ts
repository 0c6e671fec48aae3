import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { getAttributeSync, setAttributeSync } from '@napi-rs/xattr';
import { waitFor } from './cli';

/**
 * Real LTFS (the reference implementation, file-emulated cartridges) for the LTFS test
 * tier: `../shared/ltfs/build.sh` installs it into /opt/ltfs (CI does it in `.ci/run`).
 * A cartridge is a folder of block files; a mount is an `ltfs` process this module
 * starts in the foreground, so a test can kill it as a power loss would.
 */
export const LTFS_BIN = process.env['LTFS_PREFIX'] !== undefined ? path.join(process.env['LTFS_PREFIX'], 'bin') : '/opt/ltfs/bin';

/** Why the LTFS tier cannot run here (the `skip` reason), or false when it can. */
export const realLtfsMissing = (): string | false => {
  if (process.platform !== 'linux') return 'real LTFS tests run on Linux only';
  if (!fs.existsSync(path.join(LTFS_BIN, 'ltfs'))) return `LTFS is not installed in ${LTFS_BIN} (run bash ../shared/ltfs/build.sh)`;
  if (!fs.existsSync('/dev/fuse')) return '/dev/fuse is missing: LTFS cannot mount here';
  if (spawnSync('fusermount', ['-V']).error !== undefined) return 'fusermount is missing (Debian package fuse)';
  return false;
};

/** How the emulated drive prices positioning (ltfs-facts.md "Pricing tape positioning"). */
export type DelayMode = 'None' | 'Calculate' | 'Emulate';

export interface CartridgeOptions {
  /** The volume serial: the barcode's first six characters. */
  readonly serial: string;
  readonly capacityMb?: number;
  readonly delayMode?: DelayMode;
  /** LTO media code the emulated cartridge reports (L5…L9). */
  readonly cartType?: string;
}

/** The emulated drive's configuration, written before `mkltfs` (the backend re-reads it at every load). */
const cartridgeConfig = (o: CartridgeOptions): string => `<?xml version="1.0" encoding="UTF-8"?>
<filedebug_cartridge_config>
    <dummy_io>false</dummy_io>
    <emulate_readonly>false</emulate_readonly>
    <capacity_mb>${o.capacityMb ?? 3072}</capacity_mb>
    <cart_type>${o.cartType ?? 'L5'}</cart_type>
    <density_code>58</density_code>
    <delay_mode>${o.delayMode ?? 'None'}</delay_mode>
    <wraps>40</wraps>
    <eot_to_bot_sec>60</eot_to_bot_sec>
    <change_direction_us>2000000</change_direction_us>
    <change_track_us>10000</change_track_us>
    <threading_sec>3</threading_sec>
</filedebug_cartridge_config>
`;

const run = (tool: string, args: readonly string[]): { status: number | null; output: string } => {
  const result = spawnSync(path.join(LTFS_BIN, tool), args, { encoding: 'utf8', timeout: 300_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
};

/** Formats a new emulated cartridge in `dir` (created empty). */
export const formatCartridge = (dir: string, options: CartridgeOptions): void => {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'filedebug_tc_conf.xml'), cartridgeConfig(options));
  const made = run('mkltfs', ['-e', 'file', '-d', dir, '-s', options.serial, '-f']);
  if (made.status !== 0) throw new Error(`mkltfs failed (${made.status}): ${made.output}`);
};

/** Whether `mount` is a mounted file system now (per /proc/mounts). */
export const isMounted = (mount: string): boolean => {
  const target = path.resolve(mount).replace(/ /g, '\\040');
  return fs
    .readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .some((line) => line.split(' ')[1] === target);
};

export interface MountedCartridge {
  readonly cartridge: string;
  readonly mount: string;
  /** Everything the ltfs process printed (its messages name what it does at mount and unmount). */
  readonly log: () => string;
  /** Unmounts and waits until the ltfs process has exited: only then is the index on the cartridge. */
  readonly unmount: () => Promise<void>;
  /**
   * A power loss: SIGKILL of the ltfs process, then the dead mount point is released
   * (as an operator would); with `release: false` it stays, answering ENOTCONN.
   */
  readonly powerLoss: (options?: { readonly release?: boolean }) => Promise<void>;
}

export class MountRefused extends Error {
  constructor(readonly output: string) {
    super(`ltfs refused to mount: ${output.split('\n').filter((l) => /E /.test(l)).join(' | ') || output.slice(-500)}`);
  }
}

const exited = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

/**
 * Mounts `cartridge` on `mount` (created when missing) with its own work folder, and
 * waits until the mount is there or ltfs has exited (refused: `MountRefused`).
 */
export const mountCartridge = async (cartridge: string, mount: string): Promise<MountedCartridge> => {
  fs.mkdirSync(mount, { recursive: true });
  const work = `${cartridge}.work`;
  fs.mkdirSync(work, { recursive: true });
  // Its messages go to a file, not a pipe: a test that runs the CLI with spawnSync reads no
  // pipe meanwhile, and an ltfs blocked on a full pipe would hang the mount.
  const logFile = path.join(work, 'ltfs.log');
  const start = fs.existsSync(logFile) ? fs.statSync(logFile).size : 0;
  const logFd = fs.openSync(logFile, 'a');
  const child = spawn(
    path.join(LTFS_BIN, 'ltfs'),
    [mount, '-f', '-o', 'tape_backend=file', '-o', `devname=${cartridge}`, '-o', `work_directory=${work}`],
    { stdio: ['ignore', logFd, logFd] },
  );
  fs.closeSync(logFd);
  const output = (): string => fs.readFileSync(logFile).subarray(start).toString('utf8');
  const gone = exited(child);
  await waitFor(`ltfs to mount ${cartridge}`, () => isMounted(mount) || child.exitCode !== null || child.signalCode !== null, 120_000);
  if (!isMounted(mount)) {
    await gone;
    throw new MountRefused(output());
  }
  const release = async (): Promise<void> => {
    spawnSync('fusermount', ['-u', '-z', mount]);
    await gone;
    await waitFor(`${mount} to be released`, () => !isMounted(mount));
  };
  return {
    cartridge,
    mount,
    log: output,
    unmount: async () => {
      if (child.exitCode !== null || child.signalCode !== null) {
        if (isMounted(mount)) await release();
        return;
      }
      if (isMounted(mount)) {
        const result = spawnSync('fusermount', ['-u', mount], { encoding: 'utf8' });
        if (result.status !== 0) throw new Error(`fusermount -u ${mount}: ${result.stderr}`);
      }
      await gone;
    },
    powerLoss: async (options = {}) => {
      child.kill('SIGKILL');
      if (options.release === false) await gone;
      else await release();
    },
  };
};

/** `ltfsck` on a cartridge that is not mounted; `deep` adds --deep-recovery. Returns its exit status and output. */
export const checkCartridge = (cartridge: string, deep = false): { status: number | null; output: string } =>
  run('ltfsck', ['-e', 'file', ...(deep ? ['--deep-recovery'] : []), cartridge]);

/**
 * Mounts after a power loss as an operator would: try; when ltfs refuses, run `ltfsck`
 * (then `ltfsck --deep-recovery`) and try again. Says which repair it took.
 */
export const remountAfterPowerLoss = async (
  cartridge: string,
  mount: string,
): Promise<{ readonly mounted: MountedCartridge; readonly repair: 'none' | 'ltfsck' | 'deep-recovery' }> => {
  try {
    return { mounted: await mountCartridge(cartridge, mount), repair: 'none' };
  } catch (error) {
    if (!(error instanceof MountRefused)) throw error;
  }
  const checked = checkCartridge(cartridge);
  try {
    return { mounted: await mountCartridge(cartridge, mount), repair: 'ltfsck' };
  } catch (error) {
    if (!(error instanceof MountRefused)) throw error;
  }
  const deep = checkCartridge(cartridge, true);
  if (deep.status !== 0 && deep.status !== 1) throw new Error(`ltfsck --deep-recovery failed (${deep.status}): ${deep.output}`);
  try {
    return { mounted: await mountCartridge(cartridge, mount), repair: 'deep-recovery' };
  } catch (error) {
    const tail = (text: string): string => text.split('\n').slice(-8).join('\n');
    throw new Error(`${String(error)}\nltfsck (${checked.status}):\n${tail(checked.output)}\nltfsck --deep-recovery (${deep.status}):\n${tail(deep.output)}`);
  }
};

/** Seconds of positioning the emulated drive has counted since the mount (Calculate or Emulate mode). */
export const seekLatencySeconds = (mount: string): number => {
  const raw = getAttributeSync(mount, 'user.ltfs.vendor.IBM.seekLatency')?.toString('utf8') ?? '';
  const match = /^(\d+)s(\d+)ns$/.exec(raw.trim());
  if (match === null) throw new Error(`unexpected seekLatency ${JSON.stringify(raw)} on ${mount}`);
  return Number(match[1]) + Number(match[2]) / 1e9;
};

/** Asks LTFS for an index write now (what lto does at the end of each job). */
export const syncIndex = (mount: string): void => setAttributeSync(mount, 'user.ltfs.sync', '1');

export const indexGeneration = (mount: string): number =>
  Number(getAttributeSync(mount, 'user.ltfs.indexGeneration')?.toString('utf8') ?? 'NaN');
