import type { AppError } from '../../application/errors';
import { renderError } from '../../cli/errors';
import { errorBox, page } from '../html';
import type { PageContext, PageResult } from './context';

/** A thing not found → 404; the CLI's exit codes for a person's mistake (1, 2) → 400; the rest → 500. */
const statusOf = (error: AppError, exit: number): number => (/NotRegistered|NotFound|NotOnTape|Unknown/.test(error._tag) ? 404 : exit === 2 || exit === 1 ? 400 : 500);

/** An application error as the CLI words it: one line on the page, never a stack trace. */
export const errorPage = (ctx: Pick<PageContext, 'readOnly'>, title: string, error: AppError, section = '/'): PageResult => {
  const rendered = renderError(error);
  return { status: statusOf(error, rendered.exit), html: page({ title, section, readOnly: ctx.readOnly, body: `<h1>${title}</h1>${errorBox(rendered.message)}` }) };
};

/** Bad input the web page itself refuses (a page number, a filter): one line, 400. */
export const badRequest = (ctx: Pick<PageContext, 'readOnly'>, title: string, message: string, section = '/'): PageResult => ({
  status: 400,
  html: page({ title, section, readOnly: ctx.readOnly, body: `<h1>${title}</h1>${errorBox(message)}` }),
});
