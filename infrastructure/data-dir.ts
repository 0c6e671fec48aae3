import * as os from 'node:os';
import * as path from 'node:path';

export const APP_FOLDER = 'lto-archive';

export interface Environment {
  readonly platform: NodeJS.Platform;
  readonly env: NodeJS.ProcessEnv;
  readonly home: string;
}

export const currentEnvironment = (): Environment => ({ platform: process.platform, env: process.env, home: os.homedir() });

/**
 * The data folder: `LTO_HOME` when set; else the platform's place for user data
 * (XDG_DATA_HOME on Linux, APPDATA on Windows, Application Support on macOS).
 */
export const dataFolder = ({ platform, env, home }: Environment): string => {
  const override = env['LTO_HOME'];
  if (override !== undefined && override !== '') return path.resolve(override);
  if (platform === 'win32') {
    const appData = env['APPDATA'];
    return path.join(appData !== undefined && appData !== '' ? appData : path.join(home, 'AppData', 'Roaming'), APP_FOLDER);
  }
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', APP_FOLDER);
  const xdg = env['XDG_DATA_HOME'];
  return path.join(xdg !== undefined && xdg !== '' && path.isAbsolute(xdg) ? xdg : path.join(home, '.local', 'share'), APP_FOLDER);
};

/** The catalog database: `--db`, else `LTO_DB`, else `<data>/catalog.db`. */
export const databasePath = (dataDir: string, env: NodeJS.ProcessEnv, dbOption: string | undefined): string => {
  if (dbOption !== undefined && dbOption !== '') return path.resolve(dbOption);
  const fromEnv = env['LTO_DB'];
  if (fromEnv !== undefined && fromEnv !== '') return path.resolve(fromEnv);
  return path.join(dataDir, 'catalog.db');
};

/** Where folder-backed tapes live when no mount and no drive is given. */
export const defaultTapeFolder = (dataDir: string, tape: string): string => path.join(dataDir, 'tapes', tape);
