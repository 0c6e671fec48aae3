import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { REPO_ROOT } from './cli';

const ANSI = /\u001b\[[0-9;?]*[A-Za-z]|\u001b[()][A-Z0-9]|\r/g;

/**
 * The real CLI on a pseudo-terminal, through util-linux `script` (no native module):
 * what it prints is read back, and keys are typed as a person would, each after the
 * prompt it answers has appeared.
 */
export class Pty {
  private readonly child: ChildProcess;
  private output = '';
  private seen = 0;
  readonly exited: Promise<number | null>;

  constructor(args: readonly string[], env: NodeJS.ProcessEnv) {
    const command = [process.execPath, path.join(REPO_ROOT, 'bin', 'lto.js'), ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    this.child = spawn('script', ['-qfec', command, '/dev/null'], {
      env: { PATH: process.env['PATH'], TERM: 'xterm', COLUMNS: '160', LINES: '50', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (d: Buffer) => (this.output += d.toString('utf8')));
    this.child.stderr?.on('data', (d: Buffer) => (this.output += d.toString('utf8')));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  /** Everything printed so far, without terminal control sequences. */
  text(): string {
    return this.output.replace(ANSI, '');
  }

  /** Waits until what was printed since the last wait matches, then moves past it. */
  async waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
    const started = Date.now();
    for (;;) {
      const fresh = this.output.slice(this.seen).replace(ANSI, '');
      const m = pattern.exec(fresh);
      if (m !== null) {
        this.seen = this.output.length;
        return fresh;
      }
      if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${pattern}; screen so far:\n${this.text().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * Types keys (`\r` is Enter, `\u001b[B` the down arrow): call it after waitFor has seen
   * the prompt they answer, which the prompts draw only once they listen.
   */
  async type(keys: string): Promise<void> {
    await new Promise<void>((resolve, reject) => this.child.stdin?.write(keys, (error) => (error ? reject(error) : resolve())));
  }

  /** The exit code, once the program has ended (within `timeoutMs`). */
  async exitCode(timeoutMs = 15_000): Promise<number | null> {
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`did not exit; screen:\n${this.text().slice(-2000)}`)), timeoutMs).unref());
    return Promise.race([this.exited, timeout]);
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}

export const DOWN = '\u001b[B';
export const UP = '\u001b[A';
