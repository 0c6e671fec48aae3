import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as E from 'fp-ts/Either';
import * as t from 'io-ts';
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
import { unlockNames } from './unlock';
import type { CatalogChoice } from '../infrastructure/catalog-choice';

export interface ActionOptions {
  /** Folders a restore may write into (nothing else). */
  readonly restoreRoots: readonly string[];
  /** The catalog and data folder the jobs it starts use (the server's own). */
  readonly catalog: CatalogChoice;
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
const startJob = (options: ActionOptions, args: readonly string[], passphrase: string, then: () => void = () => undefined): void => {
  // A shared catalog's URL goes in the environment, never an argument (`ps` would show its password).
  const catalog = { LTO_CATALOG: options.catalog.kind === 'postgres' ? options.catalog.url : options.catalog.path };
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, LTO_HOME: options.dataDir, ...catalog, NO_COLOR: '1', ...(passphrase === '' ? {} : { LTO_PASSPHRASE: passphrase }) },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: false,
  });
  // A job that could not start (a wrong passphrase, a tape not mounted) says why on its stderr: the server's log keeps its last line.
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = `${stderr}${d.toString()}`.slice(-4000)));
  child.on('close', (code) => {
    if (code !== 0) options.log(`${args[0] ?? 'job'} started from the page ended with exit ${code ?? 'signal'}: ${stderr.trim().split('\n').pop() ?? ''}`);
    then();
  });
  child.on('error', (error) => options.log(`${args[0] ?? 'job'} could not start: ${error.message}`));
};

/** Jobs one after the other (one tape takes one job at a time: its lock). */
const startJobs = (options: ActionOptions, jobs: readonly (readonly string[])[], passphrase: string): void => {
  const [first, ...rest] = jobs;
  if (first !== undefined) startJob(options, first, passphrase, () => startJobs(options, rest, passphrase));
};

/** A search hit ticked on the page: `[tape, job, path]` as JSON. */
const Hit = t.tuple([t.string, t.string, t.string]);

const hitsOf = (values: readonly string[]): E.Either<string, [string, string, string][]> => {
  const hits: [string, string, string][] = [];
  for (const value of values) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      return E.left('a ticked result is not one this page wrote: reload the search and try again');
    }
    const decoded = Hit.decode(parsed);
    if (E.isLeft(decoded)) return E.left('a ticked result is not one this page wrote: reload the search and try again');
    hits.push(decoded.right);
  }
  return E.right(hits);
};

/** A name text the CLI reads back exactly (`\xff` for a byte that is not UTF-8; what it prints). */
const argName = (text: string): string => displayName(text);

type Send = (reply: FastifyReply, result: PageResult | Promise<PageResult>) => Promise<FastifyReply>;

/** The actions: POST only, refused in --read-only, each with the session's CSRF token. */
export const registerActions = (server: FastifyInstance, app: App, o: { readonly readOnly: boolean; readonly actions: ActionOptions }, context: (request: FastifyRequest) => PageContext, send: Send): void => {
  const guarded = (handler: (ctx: PageContext, body: unknown, reply: FastifyReply) => Promise<FastifyReply> | FastifyReply) => async (request: FastifyRequest, reply: FastifyReply) => {
    const ctx = context(request);
    if (o.readOnly) return send(reply, { ...badRequest(ctx, 'Refused', 'This server was started with --read-only: it starts no job.'), status: 403 });
    const csrf = field(request.body, 'csrf');
    if (csrf === '' || !sameSecret(csrf, ctx.session.csrf)) return send(reply, { ...badRequest(ctx, 'Refused', 'This form did not come from this page (its CSRF token is missing or wrong): reload the page and try again.'), status: 403 });
    return handler(ctx, request.body, reply);
  };

  /** The folder to restore into, when it is inside a restore root; else the page that says why. */
  const restoreTarget = (ctx: PageContext, body: unknown): E.Either<PageResult, string> => {
    const to = field(body, 'to').trim();
    if (o.actions.restoreRoots.length === 0) return E.left({ ...badRequest(ctx, 'Restore', 'This server was started without --restore-root: it restores nowhere.'), status: 403 });
    if (!insideRoots(o.actions.restoreRoots, to)) {
      return E.left({ ...badRequest(ctx, 'Restore', `${to === '' ? 'No folder given' : `"${to}" is not inside a restore root`}: restore into ${o.actions.restoreRoots.join(' or ')} (or a folder below).`), status: 403 });
    }
    return E.right(to);
  };

  server.post('/actions/restore', guarded((ctx, body, reply) => {
    const tape = tapeIdFromInput(field(body, 'tape'));
    if (E.isLeft(tape)) return send(reply, errorPage(ctx, 'Restore', tape.left));
    const target = restoreTarget(ctx, body);
    if (E.isLeft(target)) return send(reply, target.left);
    const to = target.right;
    const job = field(body, 'job');
    const paths = fields(body, 'path').filter((p) => p !== '');
    const args = ['restore', tape.right, '--to', to, ...(job === '' ? [] : ['--job', job]), ...paths.flatMap((p) => ['--path', argName(p), '--path', `${argName(p)}/**`])];
    startJob(o.actions, args, field(body, 'passphrase'));
    return reply.redirect(`/jobs?tape=${encodeURIComponent(tape.right)}`, 303);
  }));

  // A search's ticked hits: one restore per tape and version (job), one after the other.
  server.post('/actions/restore-hits', guarded((ctx, body, reply) => {
    const hits = hitsOf(fields(body, 'hit'));
    if (E.isLeft(hits)) return send(reply, badRequest(ctx, 'Restore', hits.left));
    if (hits.right.length === 0) return send(reply, badRequest(ctx, 'Restore', 'Tick the results to restore first.'));
    const target = restoreTarget(ctx, body);
    if (E.isLeft(target)) return send(reply, target.left);
    const groups = new Map<string, { tape: string; job: string; paths: string[] }>();
    for (const [tapeText, job, path] of hits.right) {
      const tape = tapeIdFromInput(tapeText);
      if (E.isLeft(tape)) return send(reply, errorPage(ctx, 'Restore', tape.left));
      const key = `${tape.right} ${job}`;
      const group = groups.get(key) ?? { tape: tape.right, job, paths: [] };
      group.paths.push(path);
      groups.set(key, group);
    }
    const jobs = [...groups.values()].map((g) => ['restore', g.tape, '--to', target.right, '--job', g.job, ...g.paths.flatMap((p) => ['--path', argName(p), '--path', `${argName(p)}/**`])]);
    startJobs(o.actions, jobs, field(body, 'passphrase'));
    return reply.redirect('/jobs?type=RESTORE', 303);
  }));

  // Unlocking only reads: allowed in --read-only too, with the CSRF token all the same.
  server.post('/unlock', async (request, reply) => {
    const ctx = context(request);
    const body = request.body;
    const csrf = field(body, 'csrf');
    if (csrf === '' || !sameSecret(csrf, ctx.session.csrf)) return send(reply, { ...badRequest(ctx, 'Refused', 'This form did not come from this page (its CSRF token is missing or wrong): reload the page and try again.'), status: 403 });
    const unlocked = await unlockNames(app, field(body, 'tape'), field(body, 'passphrase'));
    if (E.isLeft(unlocked)) return send(reply, errorPage(ctx, 'Unlock', unlocked.left));
    ctx.session.unlocked.set(unlocked.right.tape, unlocked.right.names);
    return reply.redirect(`/browse?tape=${encodeURIComponent(unlocked.right.tape)}`, 303);
  });

  server.post('/actions/verify', guarded(async (ctx, body, reply) => {
    const tape = tapeIdFromInput(field(body, 'tape'));
    if (E.isLeft(tape)) return send(reply, errorPage(ctx, 'Verify', tape.left));
    if ((await app.catalog.tape(tape.right)) === undefined) return send(reply, errorPage(ctx, 'Verify', { _tag: 'TapeNotRegistered', tape: tape.right }));
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
