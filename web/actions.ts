import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as E from 'fp-ts/Either';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../application/app';
import { printLabelSheet } from '../application/print-labels';
import { tapeIdFromInput } from '../application/tape-id-input';
import { displayName } from '../domain/name-bytes';
import { sameSecret } from './auth';
import { esc } from './html';
import { fields, field } from './query';
import { badRequest, errorPage } from './pages/errors';
import type { PageContext, PageResult } from './pages/context';
import { insideRoots } from './restore-roots';

export interface ActionOptions {
  /** Folders a restore may write into (nothing else). */
  readonly restoreRoots: readonly string[];
  /** The catalog database and data folder the jobs it starts use (the server's own). */
  readonly dbPath: string;
  readonly dataDir: string;
  /** One line for the server's log (stderr). */
  readonly log: (line: string) => void;
}

/** bin/lto.js, from dist/web. */
const BIN = path.resolve(__dirname, '..', '..', 'bin', 'lto.js');

/**
 * Starts the CLI's own job (restore, verify) in the background: the same command, the
 * same job in the catalog, its progress published for the jobs page. A passphrase goes
 * to that job alone in its environment (`LTO_PASSPHRASE`, which the CLI reads as
 * documented): never in an argument (visible to every user in `ps`), a file or a log.
 * (A pipe to `--passphrase-file /dev/stdin` does not work: Node's pipes are sockets,
 * which /dev/stdin cannot open, ENXIO.)
 */
const startJob = (options: ActionOptions, args: readonly string[], passphrase: string): void => {
  const child = spawn(process.execPath, [BIN, '--db', options.dbPath, ...args], {
    env: { ...process.env, LTO_HOME: options.dataDir, NO_COLOR: '1', ...(passphrase === '' ? {} : { LTO_PASSPHRASE: passphrase }) },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: false,
  });
  // A job that could not start (a wrong passphrase, a tape not mounted) says why on its stderr: the server's log keeps its last line.
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = `${stderr}${d.toString()}`.slice(-4000)));
  child.on('close', (code) => {
    if (code !== 0) options.log(`${args[0] ?? 'job'} started from the page ended with exit ${code ?? 'signal'}: ${stderr.trim().split('\n').pop() ?? ''}`);
  });
  child.on('error', (error) => options.log(`${args[0] ?? 'job'} could not start: ${error.message}`));
};

/** A name text the CLI reads back exactly (`\xff` for a byte that is not UTF-8; what it prints). */
const argName = (text: string): string => displayName(text);

type Send = (reply: FastifyReply, result: PageResult) => FastifyReply;

/** The actions: POST only, refused in --read-only, each with the session's CSRF token. */
export const registerActions = (server: FastifyInstance, app: App, o: { readonly readOnly: boolean; readonly actions: ActionOptions }, context: (request: FastifyRequest) => PageContext, send: Send): void => {
  const guarded = (handler: (ctx: PageContext, body: unknown, reply: FastifyReply) => Promise<FastifyReply> | FastifyReply) => async (request: FastifyRequest, reply: FastifyReply) => {
    const ctx = context(request);
    if (o.readOnly) return send(reply, { ...badRequest(ctx, 'Refused', 'This server was started with --read-only: it starts no job.'), status: 403 });
    const csrf = field(request.body, 'csrf');
    if (csrf === '' || !sameSecret(csrf, ctx.session.csrf)) return send(reply, { ...badRequest(ctx, 'Refused', 'This form did not come from this page (its CSRF token is missing or wrong): reload the page and try again.'), status: 403 });
    return handler(ctx, request.body, reply);
  };

  server.post('/actions/restore', guarded((ctx, body, reply) => {
    const tape = tapeIdFromInput(field(body, 'tape'));
    if (E.isLeft(tape)) return send(reply, errorPage(ctx, 'Restore', tape.left));
    const to = field(body, 'to').trim();
    if (o.actions.restoreRoots.length === 0) return send(reply, { ...badRequest(ctx, 'Restore', 'This server was started without --restore-root: it restores nowhere.'), status: 403 });
    if (!insideRoots(o.actions.restoreRoots, to)) {
      return send(reply, { ...badRequest(ctx, 'Restore', `${to === '' ? 'No folder given' : `"${to}" is not inside a restore root`}: restore into ${o.actions.restoreRoots.join(' or ')} (or a folder below).`), status: 403 });
    }
    const job = field(body, 'job');
    const paths = fields(body, 'path').filter((p) => p !== '');
    const args = ['restore', tape.right, '--to', to, ...(job === '' ? [] : ['--job', job]), ...paths.flatMap((p) => ['--path', argName(p), '--path', `${argName(p)}/**`])];
    startJob(o.actions, args, field(body, 'passphrase'));
    return reply.redirect(`/jobs?tape=${encodeURIComponent(tape.right)}`, 303);
  }));

  server.post('/actions/verify', guarded((ctx, body, reply) => {
    const tape = tapeIdFromInput(field(body, 'tape'));
    if (E.isLeft(tape)) return send(reply, errorPage(ctx, 'Verify', tape.left));
    if (app.catalog.tape(tape.right) === undefined) return send(reply, errorPage(ctx, 'Verify', { _tag: 'TapeNotRegistered', tape: tape.right }));
    const mount = field(body, 'mount').trim();
    startJob(o.actions, ['verify', tape.right, ...(mount === '' ? [] : ['--mount', mount])], field(body, 'passphrase'));
    return reply.redirect(`/jobs?tape=${encodeURIComponent(tape.right)}`, 303);
  }));

  server.post('/actions/labels', guarded(async (ctx, body, reply) => {
    const tape = tapeIdFromInput(field(body, 'tape'));
    if (E.isLeft(tape)) return send(reply, errorPage(ctx, 'Label sheet', tape.left));
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'lto-labels-'));
    try {
      const file = path.join(folder, 'labels.pdf');
      const printed = await printLabelSheet([tape.right], file, 'a4', true);
      if (E.isLeft(printed)) return send(reply, errorPage(ctx, 'Label sheet', printed.left));
      const pdf = fs.readFileSync(file);
      return reply.type('application/pdf').header('content-disposition', `attachment; filename="labels-${esc(tape.right)}.pdf"`).send(pdf);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  }));
};
