import fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { openProgressFolder } from '../infrastructure/progress-file';
import formbody from '@fastify/formbody';
import type { App } from '../application/app';
import { healthReport } from '../application/report';
import { renderHtmlReport } from '../cli/ui/html-report';
import { COOKIE, cookieValue, isLoopback, sameSecret, sessionCookie, Sessions, type Session } from './auth';
import { errorBox, page } from './html';
import { liveState, LIVE_EVERY_MS } from './live';
import { field, optional } from './query';
import { browsePage } from './pages/browse';
import type { PageContext, PageResult } from './pages/context';
import { jobsPage } from './pages/jobs';
import { searchPage, versionsPage } from './pages/search';
import { tapePage, tapesPage } from './pages/tapes';
import { registerActions, type ActionOptions } from './actions';

export interface ServeOptions {
  readonly token: string;
  readonly readOnly: boolean;
  /** The server listens only on loopback: a request naming another host (DNS rebinding) is refused. */
  readonly loopbackOnly: boolean;
  readonly actions: ActionOptions;
}

/** Pages never go to other sites, never let another site frame them, and never leak the address (token) as a referrer. */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
} as const;

const refusal = (message: string): string =>
  page({ title: 'Access refused', section: '', readOnly: true, body: `<h1>Access refused</h1>${errorBox(message)}` });

/** The Host header names this machine (`127.0.0.1:8600`, `localhost:8600`, `[::1]:8600`). */
const hostIsLoopback = (header: string | undefined): boolean => {
  if (header === undefined) return false;
  const host = header.startsWith('[') ? header.slice(1, header.indexOf(']')) : header.replace(/:\d+$/, '');
  return isLoopback(host);
};

declare module 'fastify' {
  interface FastifyRequest {
    session?: Session;
  }
}

/**
 * The web catalog: server-rendered pages over the same application functions the CLI
 * calls. Every request needs the access token: once in the address (`?token=`), then the
 * session cookie it is exchanged for.
 */
export const buildServer = async (app: App, options: ServeOptions): Promise<FastifyInstance> => {
  openProgressFolder(app.dataDir);
  const server = fastify({ logger: false, forceCloseConnections: true });
  await server.register(formbody);
  const sessions = new Sessions();

  server.addHook('onRequest', async (request, reply) => {
    reply.headers(SECURITY_HEADERS);
    if (options.loopbackOnly && !hostIsLoopback(request.headers.host)) {
      return reply.code(421).type('text/html; charset=utf-8').send(refusal('This server answers only to addresses of this machine (127.0.0.1, localhost).'));
    }
    const token = field(request.query, 'token');
    if (token !== '') {
      if (!sameSecret(token, options.token)) return reply.code(401).type('text/html; charset=utf-8').send(refusal('The access token is not the one lto serve printed.'));
      const session = sessions.open();
      // The token leaves the address bar at once: the session cookie stands for it from now on.
      const url = new URL(request.url, 'http://host');
      url.searchParams.delete('token');
      return reply.header('set-cookie', sessionCookie(session)).redirect(`${url.pathname}${url.search}`, 303);
    }
    const session = sessions.find(cookieValue(request.headers.cookie, COOKIE));
    if (session === undefined) return reply.code(401).type('text/html; charset=utf-8').send(refusal('Open the address lto serve printed (it holds the access token).'));
    request.session = session;
    return undefined;
  });

  // The last few jobs started from the page that ended badly, with their reason (also in the server's log).
  const notices: string[] = [];
  const actions = {
    ...options.actions,
    log: (line: string) => {
      notices.push(line);
      notices.splice(0, Math.max(0, notices.length - 5));
      options.actions.log(line);
    },
  };
  const context = (request: FastifyRequest): PageContext => {
    if (request.session === undefined) throw new Error('a page was reached without a session');
    return { app, readOnly: options.readOnly, session: request.session, notices };
  };
  const send = async (reply: FastifyReply, result: PageResult | Promise<PageResult>): Promise<FastifyReply> => {
    const { status, html } = await result;
    return reply.code(status).type('text/html; charset=utf-8').send(html);
  };

  server.get('/', (request, reply) => send(reply, tapesPage(context(request))));
  server.get('/tape', (request, reply) => send(reply, tapePage(context(request), field(request.query, 'tape'))));
  server.get('/browse', (request, reply) =>
    send(
      reply,
      browsePage(context(request), {
        tape: field(request.query, 'tape'),
        dir: optional(request.query, 'dir'),
        job: optional(request.query, 'job'),
        page: Number(field(request.query, 'page') || '1'),
        after: optional(request.query, 'after'),
        before: optional(request.query, 'before'),
      }),
    ),
  );
  server.get('/versions', (request, reply) => send(reply, versionsPage(context(request), field(request.query, 'tape'), field(request.query, 'path'))));
  server.get('/search', (request, reply) =>
    send(reply, searchPage(context(request), { q: field(request.query, 'q'), tape: field(request.query, 'tape'), label: field(request.query, 'label'), from: field(request.query, 'since'), to: field(request.query, 'until') })),
  );
  server.get('/jobs', (request, reply) =>
    send(reply, jobsPage(context(request), { tape: field(request.query, 'tape'), type: field(request.query, 'type'), status: field(request.query, 'status'), since: field(request.query, 'since') })),
  );
  server.get('/report', async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(renderHtmlReport(await healthReport(app)).replace('<body>', '<body><p style="margin:8px 16px"><a href="/">← back to the catalog</a></p>')),
  );
  server.get('/live', (request, reply) => {
    reply.hijack();
    reply.raw.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' });
    // One read of the catalog at a time: a tick that finds the last one still running skips.
    let reading = false;
    const tick = (): void => {
      if (reading) return;
      reading = true;
      void liveState(app).then(
        (state) => reply.raw.write(`data: ${JSON.stringify(state)}\n\n`),
        () => clearInterval(timer),
      ).finally(() => {
        reading = false;
      });
    };
    const timer = setInterval(tick, LIVE_EVERY_MS);
    tick();
    request.raw.on('close', () => clearInterval(timer));
  });

  registerActions(server, app, { readOnly: options.readOnly, actions }, context, send);

  server.setNotFoundHandler((_request, reply) => reply.code(404).type('text/html; charset=utf-8').send(page({ title: 'Not found', section: '', readOnly: options.readOnly, body: `<h1>Not found</h1>${errorBox('There is no such page.')}` })));
  // Whatever went wrong: one line for the person, never a stack trace.
  server.setErrorHandler((error, _request, reply) => {
    const status = typeof error === 'object' && error !== null && 'statusCode' in error && typeof error.statusCode === 'number' && error.statusCode >= 400 ? error.statusCode : 500;
    const message = error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error);
    return reply.code(status).type('text/html; charset=utf-8').send(page({ title: 'Error', section: '', readOnly: options.readOnly, body: `<h1>Error</h1>${errorBox(message)}` }));
  });
  return server;
};
