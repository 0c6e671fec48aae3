import type { App } from '../../application/app';
import type { Session } from '../auth';

/** What every page is given: the application (the same use cases the CLI runs) and who asks. */
export interface PageContext {
  readonly app: App;
  readonly readOnly: boolean;
  readonly session: Session;
  /** Why jobs started from the page could not run (the newest last): the jobs page shows them. */
  readonly notices: readonly string[];
}

/** A page's answer: HTML, or an error shown as one line with this HTTP status. */
export type PageResult = { readonly status: number; readonly html: string };

export const okPage = (html: string): PageResult => ({ status: 200, html });
