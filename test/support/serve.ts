import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { REPO_ROOT, type Sandbox } from './cli';

/** `lto serve` running in a sandbox: its address (with the token) as it printed it. */
export interface Served {
  readonly url: string;
  /** `http://127.0.0.1:port` */
  readonly origin: string;
  readonly token: string;
  readonly stderr: () => string;
  readonly stop: () => Promise<void>;
}

/**
 * Starts the real CLI's `lto serve --port 0` and waits for the line that gives its
 * address (never a fixed sleep); fails with its stderr when it ends first.
 */
export const serve = (box: Sandbox, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Served> =>
  new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'lto.js'), 'serve', '--port', '0', ...args], {
      env: { PATH: process.env['PATH'], HOME: box.root, LTO_HOME: box.home, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const exited = new Promise<void>((done) => child.on('close', () => done()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
      const found = /^lto serve: (http:\/\/[^\s/]+)\/\?token=(\S+)$/m.exec(stdout);
      if (found === null) return;
      const [, origin, token] = found;
      resolve({
        url: `${origin}/?token=${token}`,
        origin: origin!,
        token: decodeURIComponent(token!),
        stderr: () => stderr,
        stop: async () => {
          child.kill('SIGTERM');
          await exited;
        },
      });
    });
    child.on('close', (code) => reject(new Error(`lto serve ended (${code}) before printing its address: ${stderr}`)));
  });

/** A session cookie for scripted requests: the token exchanged as a browser does on its first visit. */
export const sessionCookie = async (served: Served): Promise<string> => {
  const response = await fetch(served.url, { redirect: 'manual' });
  const cookie = response.headers.get('set-cookie');
  if (response.status !== 303 || cookie === null) throw new Error(`no session: ${response.status}`);
  return cookie.split(';')[0]!;
};
