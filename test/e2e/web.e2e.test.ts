import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { REPO_ROOT, sandbox, stoppedIn, waitFor, type Sandbox } from '../support/cli';
import { serve, sessionCookie, type Served } from '../support/serve';

const CHROMIUM = '/usr/bin/chromium';
const TAPE = '000001L8';
const SECRET_TAPE = '000002L8';
const PASSPHRASE = 'correct horse battery staple 42';

const chromiumRuns = (): boolean => {
  try {
    fs.accessSync(CHROMIUM, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
};
const NO_BROWSER = chromiumRuns() ? false : `${CHROMIUM} is not installed (.ci/run installs it)`;

/** Every file below `dir`, as paths relative to it. */
const filesBelow = (dir: string): string[] =>
  fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((p) => fs.statSync(path.join(dir, p)).isFile()) : [];

/** Screenshots for docs/ when LTO_UPDATE_SCREENSHOT=1 (small PNGs: a 1100×700 viewport). */
const shoot = async (page: Page, file: string): Promise<void> => {
  if (process.env['LTO_UPDATE_SCREENSHOT'] === '1') fs.writeFileSync(path.join(REPO_ROOT, 'docs', file), await page.screenshot());
};

describe('lto serve: the web catalog', () => {
  let box: Sandbox;
  let source: string;
  let roots: string;
  let served: Served;

  before(async () => {
    box = sandbox();
    source = path.join(box.root, 'src');
    fs.mkdirSync(path.join(source, 'photos', '2019'), { recursive: true });
    for (const n of ['beach', 'forest', 'harbour']) fs.writeFileSync(path.join(source, 'photos', '2019', `${n}.jpg`), `${n} `.repeat(50));
    // A name that is markup: the page must show it as text.
    fs.writeFileSync(path.join(source, 'photos', '<b>bold<i> & "quoted".txt'), 'markup');
    fs.writeFileSync(path.join(source, 'notes.txt'), 'first');
    // A folder of more than two pages, one of them deleted later (it must not show).
    fs.mkdirSync(path.join(source, 'many'));
    for (let i = 0; i < 450; i++) fs.writeFileSync(path.join(source, 'many', `n${String(i).padStart(3, '0')}-${i % 7}.dat`), String(i));
    assert.equal(box.lto(['tape', 'add', TAPE, '--description', 'Photos <2019>']).status, 0);
    assert.equal(box.lto(['backup', TAPE, source]).status, 0);
    fs.writeFileSync(path.join(source, 'notes.txt'), 'second version');
    fs.rmSync(path.join(source, 'many', 'n010-3.dat'));
    assert.equal(box.lto(['backup', TAPE, source]).status, 0);
    const secret = path.join(box.root, 'secret');
    fs.mkdirSync(secret);
    fs.writeFileSync(path.join(secret, 'diary.txt'), 'dear diary');
    const withPassphrase = { LTO_PASSPHRASE: PASSPHRASE };
    assert.equal(box.lto(['tape', 'add', SECRET_TAPE, '--encrypt', 'passphrase'], withPassphrase).status, 0);
    assert.equal(box.lto(['backup', SECRET_TAPE, secret], withPassphrase).status, 0);
    roots = path.join(box.root, 'restores');
    fs.mkdirSync(roots);
    served = await serve(box, ['--restore-root', roots]);
  });
  after(async () => {
    await served?.stop();
    box?.cleanup();
  });

  it('refuses every request without the token, a wrong token, or a made-up cookie; the token gets an HttpOnly, SameSite=Strict session cookie', async () => {
    const bare = await fetch(`${served.origin}/`);
    assert.equal(bare.status, 401);
    assert.match(await bare.text(), /Open the address lto serve printed/);
    assert.doesNotMatch(await (await fetch(`${served.origin}/search?q=beach`)).text(), /beach\.jpg/, 'no page without the token');
    assert.equal((await fetch(`${served.origin}/?token=${'x'.repeat(43)}`, { redirect: 'manual' })).status, 401);
    assert.equal((await fetch(`${served.origin}/`, { headers: { cookie: 'lto_session=guessed' } })).status, 401);
    const first = await fetch(served.url, { redirect: 'manual' });
    assert.equal(first.status, 303);
    assert.equal(first.headers.get('location'), '/', 'the token leaves the address at once');
    assert.match(first.headers.get('set-cookie') ?? '', /^lto_session=[\w-]{40,}; Path=\/; HttpOnly; SameSite=Strict$/);
    assert.equal(first.headers.get('referrer-policy'), 'no-referrer');
    const cookie = await sessionCookie(served);
    const tapes = await fetch(`${served.origin}/`, { headers: { cookie } });
    assert.equal(tapes.status, 200);
    assert.match(await tapes.text(), /Photos &lt;2019&gt;/, 'a description is escaped');
  });

  it('refuses a request that names another host (DNS rebinding) while it listens on loopback', async () => {
    const cookie = await sessionCookie(served);
    const port = new URL(served.origin).port;
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/', headers: { host: `evil.example:${port}`, cookie } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 421);
  });

  it('refuses a form without the session\'s CSRF token, and a restore outside the restore roots, writing nothing', async () => {
    const cookie = await sessionCookie(served);
    const outside = path.join(box.root, 'elsewhere');
    const post = (body: Record<string, string>) =>
      fetch(`${served.origin}/actions/restore`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body).toString() });
    const noCsrf = await post({ tape: TAPE, to: path.join(roots, 'a') });
    assert.equal(noCsrf.status, 403);
    assert.match(await noCsrf.text(), /CSRF token is missing or wrong/);
    const page = await (await fetch(`${served.origin}/browse?tape=${TAPE}`, { headers: { cookie } })).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1];
    assert.ok(csrf !== undefined, 'the page holds its CSRF token');
    const escape = await post({ csrf, tape: TAPE, to: path.join(roots, '..', 'elsewhere') });
    assert.equal(escape.status, 403);
    assert.match(await escape.text(), /is not inside a restore root/);
    const away = path.join(box.root, 'away');
    fs.mkdirSync(away);
    fs.symlinkSync(away, path.join(roots, 'link-out'));
    const viaLink = await post({ csrf, tape: TAPE, to: path.join(roots, 'link-out', 'x') });
    assert.equal(viaLink.status, 403, 'a symlink out of the root is followed, then refused');
    fs.unlinkSync(path.join(roots, 'link-out'));
    assert.equal(fs.existsSync(outside), false);
    assert.deepEqual(fs.readdirSync(away), []);
    assert.deepEqual(filesBelow(roots), []);
  });

  it('pages a large folder: its pages together are what `lto browse --json` lists, in the same order', async () => {
    const cookie = await sessionCookie(served);
    const dir = path.join(source, 'many');
    const cli = box.json<{ entries: { path: string; bytes: number; versions: number }[] }>(['browse', TAPE, dir]);
    assert.equal(cli.entries.length, 449);
    const get = async (url: string) => (await fetch(`${served.origin}${url.replace(/&amp;/g, '&')}`, { headers: { cookie } })).text();
    const pathsOf = (html: string) => [...html.matchAll(/<tr data-path="([^"]+)"/g)].map((m) => m[1]!);
    const link = (html: string, rel: string) => new RegExp(`<a rel="${rel}" href="([^"]+)"`).exec(html)?.[1];
    // Following "next" (a seek after the last name shown) ...
    const pages: string[][] = [];
    let html = await get(`/browse?tape=${TAPE}&dir=${encodeURIComponent(dir)}`);
    for (let n = 1; ; n++) {
      assert.match(html, new RegExp(`page ${n} of 3 \\(449 entries\\)`));
      pages.push(pathsOf(html));
      const next = link(html, 'next');
      if (next === undefined) break;
      html = await get(next);
    }
    assert.deepEqual(pages.flat(), cli.entries.map((e) => e.path));
    assert.deepEqual(pages.map((p) => p.length), [200, 200, 49]);
    // ... "previous" (a seek before the first), and a page asked for by number, agree.
    assert.deepEqual(pathsOf(await get(link(html, 'prev')!)), pages[1]);
    assert.deepEqual(pathsOf(await get(`/browse?tape=${TAPE}&dir=${encodeURIComponent(dir)}&page=3`)), pages[2]);
    const beyond = await fetch(`${served.origin}/browse?tape=${TAPE}&dir=${encodeURIComponent(dir)}&page=0`, { headers: { cookie } });
    assert.equal(beyond.status, 400);
    assert.match(await beyond.text(), /page must be a whole number from 1/);
    const missing = await fetch(`${served.origin}/browse?tape=${TAPE}&dir=${encodeURIComponent('/no/such/folder')}`, { headers: { cookie } });
    assert.equal(missing.status, 404);
  });

  it('narrows a search by label and by the day a version was backed up; a bad date is one line', async () => {
    assert.equal(box.lto(['label', 'create', 'holidays']).status, 0);
    assert.equal(box.lto(['label', 'assign', TAPE, 'holidays']).status, 0);
    assert.equal(box.lto(['label', 'create', 'nothing-here']).status, 0);
    const cookie = await sessionCookie(served);
    const count = async (query: string) => {
      const html = await (await fetch(`${served.origin}/search?${query}`, { headers: { cookie } })).text();
      return [...html.matchAll(/<tr data-tape="/g)].length;
    };
    assert.equal(await count('q=*.jpg&label=holidays'), 3);
    assert.equal(await count('q=*.jpg&label=nothing-here'), 0);
    const today = new Date().toISOString().slice(0, 10);
    assert.equal(await count(`q=*.jpg&since=${today}`), 3);
    assert.equal(await count('q=*.jpg&since=2001-01-01&until=2001-12-31'), 0);
    const bad = await fetch(`${served.origin}/search?q=x&since=yesterday`, { headers: { cookie } });
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /&quot;since&quot; must be a date such as 2026-12-01/);
  });

  it("filters jobs as lto jobs does (tape, type, status, since)", async () => {
    const cookie = await sessionCookie(served);
    const rows = async (query: string) => {
      const html = await (await fetch(`${served.origin}/jobs?${query}`, { headers: { cookie } })).text();
      return [...html.matchAll(/<tr data-job="([^"]+)"/g)].map((m) => m[1]!).sort();
    };
    const cli = (args: string[]) => box.json<{ jobs: { job: string }[] }>(['jobs', ...args]).jobs.map((j) => j.job).sort();
    assert.deepEqual(await rows(`tape=${TAPE}&type=BACKUP`), cli(['--tape', TAPE, '--type', 'backup']));
    assert.deepEqual(await rows('status=SUCCESS&since=1d'), cli(['--status', 'success', '--since', '1d']));
    assert.deepEqual(await rows('since=2001-01-01&type=ADD_TAPE'), cli(['--since', '2001-01-01', '--type', 'add-tape']));
    const bad = await fetch(`${served.origin}/jobs?since=soon`, { headers: { cookie } });
    assert.equal(bad.status, 400);
  });

  it('takes its token from --token-file (needed beyond loopback), and refuses a short one', async () => {
    const file = path.join(box.root, 'token');
    fs.writeFileSync(file, 'a-long-enough-token-kept-by-me\n');
    const wide = await serve(box, ['--host', '0.0.0.0', '--token-file', file, '--read-only']);
    try {
      assert.equal(wide.token, 'a-long-enough-token-kept-by-me');
      const port = new URL(wide.origin).port;
      assert.equal((await fetch(`http://127.0.0.1:${port}/?token=a-long-enough-token-kept-by-me`, { redirect: 'manual' })).status, 303);
      assert.equal((await fetch(`http://127.0.0.1:${port}/?token=another-token-of-some-length`, { redirect: 'manual' })).status, 401);
    } finally {
      await wide.stop();
    }
    fs.writeFileSync(file, 'short');
    const refused = box.lto(['serve', '--port', '0', '--token-file', file]);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /^error: --token-file .*at least 16 characters/);
  });

  it('refuses --host beyond loopback without --token-file, and a bad --port, in one line', () => {
    const wide = box.lto(['serve', '--host', '0.0.0.0', '--port', '0']);
    assert.equal(wide.status, 2);
    assert.match(wide.stderr, /^error: --host "0\.0\.0\.0": expected a loopback address .* only with --token-file FILE/);
    assert.equal(wide.stderr.trim().split('\n').length, 1);
    const port = box.lto(['serve', '--port', 'eighty']);
    assert.equal(port.status, 2);
    assert.match(port.stderr, /^error: --port "eighty": expected a port number/);
  });

  it('in --read-only, shows the pages and refuses every action', async () => {
    const ro = await serve(box, ['--read-only']);
    try {
      const cookie = await sessionCookie(ro);
      const page = await (await fetch(`${ro.origin}/browse?tape=${TAPE}`, { headers: { cookie } })).text();
      assert.doesNotMatch(page, /name="csrf"/, 'no forms');
      const refused = await fetch(`${ro.origin}/actions/verify`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: `tape=${TAPE}` });
      assert.equal(refused.status, 403);
      assert.match(await refused.text(), /--read-only/);
    } finally {
      await ro.stop();
    }
  });

  describe('in a real browser (headless Chromium)', { skip: NO_BROWSER }, () => {
    let context: BrowserContext;
    let page: Page;
    before(async () => {
      const { chromium } = await import('playwright-core');
      const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'lto-chromium-'));
      context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
        viewport: { width: 1100, height: 700 },
      });
      page = await context.newPage();
      await page.goto(served.url);
    });
    after(async () => {
      await context?.close();
    });

    it('lists the tapes, then browses to a file through folders and breadcrumbs, names shown as text', async () => {
      assert.equal(await page.title(), 'Tapes · lto');
      assert.equal(new URL(page.url()).search, '', 'no token left in the address bar');
      const row = page.locator(`tr[data-tape="${TAPE}"]`);
      assert.match(await row.innerText(), /Photos <2019>/);
      await shoot(page, 'web-tapes.png');
      await row.getByRole('link', { name: 'browse' }).click();
      await page.locator('a.dir', { hasText: 'src/' }).click();
      await page.locator('a.dir', { hasText: 'photos/' }).click();
      assert.equal(await page.locator('tr[data-type="file"] .file').innerText(), '<b>bold<i> & "quoted".txt', 'markup in a name is text');
      assert.equal(await page.locator('b', { hasText: 'bold' }).count(), 0);
      await page.locator('a.dir', { hasText: '2019/' }).click();
      assert.deepEqual(await page.locator('tr[data-type="file"] .file').allInnerTexts(), ['beach.jpg', 'forest.jpg', 'harbour.jpg']);
      await shoot(page, 'web-browse.png');
      await page.locator('.crumbs a', { hasText: 'src' }).click();
      const notes = page.locator('tr[data-type="file"]', { hasText: 'notes.txt' });
      assert.match(await notes.innerText(), /14 B/);
      await notes.getByRole('link', { name: '2' }).click();
      assert.equal(await page.locator('tr[data-job]').count(), 2, 'both versions of notes.txt');
    });

    it('searches across tapes with the CLI\'s patterns', async () => {
      await page.goto(`${served.origin}/search`);
      await page.fill('input[name=q]', '*.jpg');
      await page.click('button:has-text("Search")');
      assert.equal(await page.locator('tr[data-path]').count(), 3);
      assert.match(await page.locator('.count').innerText(), /3 shown of 3 matching/);
      await shoot(page, 'web-search.png');
      await page.fill('input[name=q]', 'nothing-like-this');
      await page.click('button:has-text("Search")');
      assert.match(await page.locator('main').innerText(), /Nothing matches/);
    });

    it('restores a selection into a restore root and shows the job finish', async () => {
      await page.goto(`${served.origin}/browse?tape=${TAPE}&dir=${encodeURIComponent(path.join(source, 'photos', '2019'))}`);
      await page.locator('tr[data-path$="forest.jpg"] input[type=checkbox]').check();
      await page.fill('input[name=to]', path.join(roots, 'out'));
      await page.click('button:has-text("Restore")');
      await page.waitForURL(/\/jobs/);
      await page.locator('tr[data-status="SUCCESS"]', { hasText: 'RESTORE' }).waitFor({ timeout: 30_000 });
      const restored = filesBelow(path.join(roots, 'out'));
      assert.deepEqual(restored.map((p) => path.basename(p)), ['forest.jpg']);
      assert.equal(fs.readFileSync(path.join(roots, 'out', restored[0]!), 'utf8'), 'forest '.repeat(50));
    });

    it("restores a search's ticked hits, each as the version found", async () => {
      await page.goto(`${served.origin}/search?q=${encodeURIComponent('*.jpg')}`);
      await page.locator('tr[data-path$="beach.jpg"] input[type=checkbox]').check();
      await page.locator('tr[data-path$="harbour.jpg"] input[type=checkbox]').check();
      await page.fill('input[name=to]', path.join(roots, 'hits'));
      await page.click('button:has-text("Restore")');
      await page.waitForURL(/\/jobs/).catch(async (error: unknown) => {
        throw new Error(`${String(error)}: ${page.url()} ${await page.locator('main').innerText()}`);
      });
      await waitFor('the restored hits', () => filesBelow(path.join(roots, 'hits')).length === 2, 30_000);
      await page.locator('tr[data-status="RUNNING"]').waitFor({ state: 'detached', timeout: 20_000 });
      assert.deepEqual(filesBelow(path.join(roots, 'hits')).map((p) => path.basename(p)).sort(), ['beach.jpg', 'harbour.jpg']);
    });

    it('shows the live progress of a backup started from the CLI, then its end', async () => {
      const more = path.join(box.root, 'more');
      fs.mkdirSync(more);
      for (let i = 0; i < 40; i++) fs.writeFileSync(path.join(more, `f${i}.bin`), Buffer.alloc(2000, i));
      await page.goto(`${served.origin}/jobs`);
      const backup = box.ltoAsync(['backup', TAPE, more], { LTO_STOP_AT: 'entry-written#5' });
      try {
        await waitFor('the backup to stop mid-job', () => stoppedIn(backup.pid) !== undefined);
        const live = page.locator(`tr[data-status="RUNNING"] [data-live-tape="${TAPE}"] .live-text`);
        await live.waitFor({ timeout: 20_000 });
        assert.match(await live.innerText(), /(scan|write) \d+% \d+\/\d+ entries/);
        await shoot(page, 'web-jobs.png');
        process.kill(stoppedIn(backup.pid)!, 'SIGCONT');
        const done = await backup.done;
        assert.equal(done.status, 0, done.stderr);
        await page.locator('tr[data-status="RUNNING"]').waitFor({ state: 'detached', timeout: 20_000 });
        assert.match(await page.locator('tr[data-job]').first().innerText(), /BACKUP.*SUCCESS/s);
      } finally {
        backup.kill();
      }
    });

    it('verifies a tape from its page and downloads its label sheet', async () => {
      await page.goto(`${served.origin}/tape?tape=${TAPE}`);
      await page.click('button:has-text("Verify this tape")');
      await page.waitForURL(/\/jobs/);
      await page.locator('tr[data-status="SUCCESS"]', { hasText: 'VERIFY' }).waitFor({ timeout: 30_000 });
      const cli = box.json<{ jobs: { type: string; status: string }[] }>(['jobs', '--tape', TAPE, '--type', 'verify']);
      assert.deepEqual(cli.jobs.map((j) => j.status), ['SUCCESS'], 'the same job lto jobs lists');
      // A job that cannot run (no tape at that mount point) says why on the jobs page.
      await page.goto(`${served.origin}/tape?tape=${TAPE}`);
      await page.fill('input[name=mount]', path.join(box.root, 'no-such-mount'));
      await page.click('button:has-text("Verify this tape")');
      await page.waitForURL(/\/jobs/);
      for (let i = 0; i < 100 && (await page.locator('.job-notice').count()) === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        await page.reload();
      }
      assert.match(await page.locator('.job-notice').innerText(), /^verify started from the page ended with exit \d+: error: .*no-such-mount/);
      await page.goto(`${served.origin}/tape?tape=${TAPE}`);
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('button:has-text("Label sheet (PDF)")')]);
      const pdf = fs.readFileSync((await download.path())!);
      assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
    });

    it('unlocks an encrypted tape for the session (a wrong passphrase refused), browses and searches its names, restores from it with the passphrase typed in the page, which is kept nowhere', async () => {
      await page.goto(`${served.origin}/browse?tape=${SECRET_TAPE}`);
      assert.match(await page.locator('.notice').innerText(), /encrypted: names are shown locked/);
      assert.equal(await page.locator('tr[data-path*="secret"]').count(), 0, 'no name shows before the tape is unlocked');
      await page.fill('form[action="/unlock"] input[name=passphrase]', 'not the passphrase');
      await page.click('button:has-text("Unlock")');
      assert.match(await page.locator('.error').innerText(), /passphrase/);
      await page.goto(`${served.origin}/browse?tape=${SECRET_TAPE}`);
      await page.fill('form[action="/unlock"] input[name=passphrase]', PASSPHRASE);
      await page.click('button:has-text("Unlock")');
      assert.match(await page.locator('.unlocked').innerText(), /unlocked for this session/);
      await page.locator('a.dir', { hasText: 'secret/' }).click();
      assert.deepEqual(await page.locator('tr[data-type="file"] .file').allInnerTexts(), ['diary.txt']);
      await page.goto(`${served.origin}/search?q=diary`);
      assert.deepEqual(await page.locator('tr[data-path]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-tape'))), [SECRET_TAPE]);
      await page.goto(`${served.origin}/browse?tape=${SECRET_TAPE}`);
      await page.fill('#restore input[name=to]', path.join(roots, 'secret-out'));
      await page.fill('#restore input[name=passphrase]', PASSPHRASE);
      await page.click('button:has-text("Restore")');
      await page.waitForURL(/\/jobs/);
      await page.locator('tr[data-status="SUCCESS"]', { hasText: 'RESTORE' }).waitFor({ timeout: 30_000 }).catch((error: unknown) => {
        throw new Error(`${String(error)}; server: ${served.stderr()}`);
      });
      const restored = filesBelow(path.join(roots, 'secret-out'));
      assert.deepEqual(restored.map((p) => path.basename(p)), ['diary.txt']);
      const kept = [...filesBelow(box.home).map((p) => path.join(box.home, p))].filter((f) => fs.readFileSync(f).includes(PASSPHRASE));
      assert.deepEqual(kept, [], 'the passphrase is in no file of the data folder');
      assert.doesNotMatch(served.stderr(), new RegExp(PASSPHRASE));
    });

    it('shows the health report', async () => {
      await page.goto(`${served.origin}/report`);
      assert.equal(await page.title(), 'Tape health report');
      assert.equal(await page.locator(`tr[data-tape="${TAPE}"]`).count(), 1);
    });
  });
});
