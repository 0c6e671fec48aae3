import { esc } from './html';
import type { PageContext } from './pages/context';

/**
 * The form around a selection (checkboxes named `path`, or a version's `job`): where
 * to restore it (inside a --restore-root) and, for an encrypted tape, its passphrase
 * (sent once with the form, given to the job through a pipe, never kept).
 */
export const restoreForm = (ctx: PageContext, o: { readonly tape: string; readonly job: string | undefined; readonly encrypted: boolean; readonly inner: string }): string => {
  if (ctx.readOnly) return o.inner;
  const job = o.job === undefined ? '' : `<input type="hidden" name="job" value="${esc(o.job)}">`;
  const passphrase = o.encrypted ? '<label>Passphrase<input type="password" name="passphrase" autocomplete="off"></label>' : '';
  return `<form method="post" action="/actions/restore" id="restore">
<input type="hidden" name="csrf" value="${esc(ctx.session.csrf)}"><input type="hidden" name="tape" value="${esc(o.tape)}">${job}
${o.inner}
<div class="inline restore-bar" style="display:flex;gap:8px;align-items:end;margin-top:10px"><label>Restore the selection into (a folder on the server, inside a restore root)<input name="to" size="50" required></label>${passphrase}<button type="submit">Restore</button></div>
</form>`;
};

/** The same form for a search's ticked hits (each names its tape and version). */
export const restoreHitsForm = (ctx: PageContext, inner: string): string =>
  ctx.readOnly
    ? inner
    : `<form method="post" action="/actions/restore-hits" id="restore">
<input type="hidden" name="csrf" value="${esc(ctx.session.csrf)}">
${inner}
<div class="inline restore-bar" style="display:flex;gap:8px;align-items:end;margin-top:10px"><label>Restore the ticked versions into (a folder on the server, inside a restore root)<input name="to" size="50" required></label><label>Passphrase (encrypted tapes)<input type="password" name="passphrase" autocomplete="off"></label><button type="submit">Restore</button></div></form>`;

export const checkbox = (ctx: PageContext, path: string): string => (ctx.readOnly ? '' : `<input type="checkbox" name="path" value="${esc(path)}" aria-label="select">`);
