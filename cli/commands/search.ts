import type { Command } from 'commander';
import * as E from 'fp-ts/Either';
import { searchCatalog, type SearchHit, type SearchResult } from '../../application/search';
import { ok, printJson, withApp, type RunState } from '../action';
import { nameDecodersFor, withKeyOptions } from '../key-options';
import type { GlobalOptions } from '../bootstrap';
import type { Io } from '../io';
import { parseCount } from '../ui/parse';
import { formatBytes, formatLocalTime, shortId } from '../ui/format';
import { MESSAGES } from '../ui/messages';
import { renderTable } from '../ui/table';
import { copiesJson, copiesOfJobs, copiesText } from '../ui/copies';
import type { JobCopy } from '../../projections/ports/copy-queries';
import { nsToIso } from './browse';
import { displayName, globFromInput } from '../../domain/name-bytes';

/** The `search --json` shape: scripts rely on these names. */
export const searchJson = (r: SearchResult, copiesOf: (job: string) => readonly JobCopy[]) => ({
  pattern: r.pattern,
  target: r.target,
  total: r.total,
  shown: r.hits.length,
  truncated: r.hits.length < r.total,
  lockedTapes: r.lockedTapes,
  results: r.hits.map((h: SearchHit) => ({
    tape: h.tape,
    path: h.path,
    name: h.name,
    type: h.type,
    bytes: h.size,
    mtime: nsToIso(h.mtimeNs),
    mtimeNs: h.mtimeNs,
    job: h.job,
    backedUpAt: h.backedUpAt,
    /** Where the job that wrote this version is held: the original and each copy that succeeded. */
    copies: copiesJson(copiesOf(h.job)),
  })),
});

export const registerSearch = (program: Command, io: Io, state: RunState, globals: () => GlobalOptions): void => {
  const command = program
    .command('search')
    .description('find files on every tape by name or path: a substring, or a glob such as "*.dng" (case ignored; with "/" whole paths)')
    .argument('<pattern>', 'part of a name, a glob over names ("*.dng"), or over paths ("2019/*/*.jpg", "/home/me/**")')
    .option('--tape <tape>', 'only this tape')
    .option('--limit <n>', 'show at most this many results (all are counted)', '200')
    .option('--json', 'print as JSON');
  withKeyOptions(command)
    .action((pattern: string, options: { tape?: string; limit: string; json?: boolean; key?: string; passphraseFile?: string }) =>
      withApp(io, state, globals(), async ({ app }) => {
        const limit = parseCount('--limit', options.limit);
        if (E.isLeft(limit)) return limit;
        const nameDecoders = await nameDecodersFor(io, app, options, options.tape);
        const result = await searchCatalog(app, { pattern: globFromInput(pattern), tape: options.tape, limit: limit.right, nameDecoders });
        if (E.isLeft(result)) return result;
        const r = result.right;
        const m = MESSAGES.search;
        const copiesOf = await copiesOfJobs(app, r.hits.map((h) => h.job));
        if (options.json === true) printJson(io, searchJson(r, copiesOf));
        else {
          const s = io.style;
          if (r.hits.length === 0) io.out(m.none(r.pattern));
          else {
            io.out(
              renderTable(
                r.hits,
                [
                  { header: 'TAPE', value: (h) => s.bold(h.tape) },
                  { header: 'PATH', value: (h) => (h.type === 'dir' ? s.blue(`${displayName(h.path)}/`) : h.type === 'symlink' ? s.cyan(displayName(h.path)) : displayName(h.path)) },
                  { header: 'SIZE', value: (h) => (h.type === 'file' ? formatBytes(h.size) : ''), align: 'right' },
                  { header: 'MODIFIED', value: (h) => formatLocalTime(nsToIso(h.mtimeNs)) },
                  { header: 'JOB', value: (h) => shortId(h.job) },
                  { header: 'BACKED UP', value: (h) => formatLocalTime(h.backedUpAt) },
                  { header: 'COPIES', value: (h) => copiesText(copiesOf(h.job)) },
                ],
                s,
              ),
            );
          }
          if (r.hits.length > 0) io.err(s.dim(m.count(r.hits.length, r.total)));
        }
        if (r.lockedTapes.length > 0) io.err(io.errStyle.yellow(m.locked(r.lockedTapes.length)));
        return ok;
      }),
    );
};
