import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import * as E from 'fp-ts/Either';
import type { AppError } from '../../application/errors';
import { errorMessage } from '../../infrastructure/errno';
import { isLoopback, MIN_TOKEN_LENGTH, newToken } from '../../web/auth';
import { buildServer } from '../../web/server';
import { ok, withApp, type RunState } from '../action';
import type { GlobalOptions } from '../bootstrap';
import type { Io } from '../io';
import { collect } from '../ui/parse';

interface Options {
  readonly port: string;
  readonly host: string;
  readonly readOnly?: boolean;
  readonly tokenFile?: string;
  readonly restoreRoot: string[];
}

const DEFAULT_PORT = '8600';

const parsePort = (text: string): E.Either<AppError, number> => {
  const port = Number(text);
  return /^\d+$/.test(text) && port <= 65535 ? E.right(port) : E.left({ _tag: 'InvalidOption', option: '--port', value: text, expected: 'a port number from 0 (any free one) to 65535' });
};

/** The access token: a new random one, or the one in --token-file (needed to listen beyond loopback). */
const accessToken = (options: Options): E.Either<AppError, string> => {
  if (options.tokenFile === undefined) {
    return isLoopback(options.host)
      ? E.right(newToken())
      : E.left({ _tag: 'InvalidOption', option: '--host', value: options.host, expected: 'a loopback address (127.0.0.1, ::1, localhost); another one only with --token-file FILE holding a long random token' });
  }
  try {
    const token = fs.readFileSync(options.tokenFile, 'utf8').trim();
    if (token.length < MIN_TOKEN_LENGTH || /\s/.test(token)) return E.left({ _tag: 'InvalidOption', option: '--token-file', value: options.tokenFile, expected: `a file holding one token of at least ${MIN_TOKEN_LENGTH} characters, without spaces` });
    return E.right(token);
  } catch (error) {
    return E.left({ _tag: 'InvalidOption', option: '--token-file', value: options.tokenFile, expected: `a file that can be read (${errorMessage(error)})` });
  }
};

const restoreRoots = (roots: readonly string[]): E.Either<AppError, string[]> => {
  const resolved: string[] = [];
  for (const root of roots) {
    const dir = path.resolve(root);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) return E.left({ _tag: 'InvalidOption', option: '--restore-root', value: root, expected: 'an existing folder' });
    resolved.push(dir);
  }
  return E.right(resolved);
};

/** `http://127.0.0.1:8600/?token=…` ([::1] for IPv6). */
const addressOf = (host: string, port: number, token: string): string => `http://${host.includes(':') ? `[${host}]` : host}:${port}/?token=${encodeURIComponent(token)}`;

/** Until SIGINT or SIGTERM. */
const untilStopped = (): Promise<void> =>
  new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });

export const registerServe = (program: Command, io: Io, state: RunState, globals: () => GlobalOptions): void => {
  program
    .command('serve')
    .description('the web catalog: tapes, browse, search, jobs (live) and the report in a browser; restore, verify and label sheets from the page')
    .option('--port <port>', 'port to listen on (0: any free one)', DEFAULT_PORT)
    .option('--host <address>', 'address to listen on; other than loopback only with --token-file', '127.0.0.1')
    .option('--read-only', 'pages only: no restore, verify or label sheet')
    .option('--token-file <file>', 'the access token to accept, read from this file (default: a new random one, printed)')
    .option('--restore-root <dir>', 'a folder the page may restore into (repeatable; none: restores are refused)', collect, [])
    .action((options: Options) =>
      withApp(io, state, globals(), async ({ app, choice }) => {
        const port = parsePort(options.port);
        if (E.isLeft(port)) return port;
        const token = accessToken(options);
        if (E.isLeft(token)) return token;
        const roots = restoreRoots(options.restoreRoot);
        if (E.isLeft(roots)) return roots;
        const server = await buildServer(app, {
          token: token.right,
          readOnly: options.readOnly === true,
          loopbackOnly: isLoopback(options.host),
          actions: { restoreRoots: roots.right, catalog: choice, dataDir: app.dataDir, log: (line) => io.err(line) },
        });
        try {
          await server.listen({ port: port.right, host: options.host });
        } catch (error) {
          return E.left({ _tag: 'InvalidOption', option: '--port', value: options.port, expected: `a port that can be listened on at ${options.host} (${errorMessage(error)})` });
        }
        const address = server.server.address();
        const listening = typeof address === 'object' && address !== null ? address.port : port.right;
        io.out(`lto serve: ${addressOf(options.host, listening, token.right)}`);
        io.err(io.errStyle.dim(`${options.readOnly === true ? 'read-only; ' : ''}restores into: ${roots.right.length === 0 ? 'nowhere (no --restore-root)' : roots.right.join(', ')}. Ctrl-C stops.`));
        await untilStopped();
        await server.close();
        return ok;
      }),
    );
};
