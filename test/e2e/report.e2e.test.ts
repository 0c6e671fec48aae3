import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sandbox, REPO_ROOT, type Sandbox } from '../support/cli';
import { testApp, type TestApp } from '../support/app';
import { buildHealthCatalog } from '../support/health-catalog';

interface ReportJson {
  summary: { tapes: number; good: number; warning: number; critical: number; usedBytes: number; capacityBytes: number };
  tapes: { tape: string; health: string; usage: number; labels: string[]; reasons: { level: string; text: string }[]; lastVerify: { status: string } | null; backups: { finished: number; succeeded: number; successRate: number | null } }[];
}

const CHROMIUM = '/usr/bin/chromium';

/** Whether Debian's chromium is there to run (a file that is not executable counts as missing). */
const chromiumRuns = (): boolean => {
  try {
    fs.accessSync(CHROMIUM, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

describe('lto report', () => {
  let t: TestApp;
  let box: Sandbox;
  let db: string;
  before(async () => {
    t = await testApp();
    await buildHealthCatalog(t);
    db = path.join(t.root, 'catalog.db');
    box = sandbox();
  });
  after(() => {
    box.cleanup();
    t.close();
  });

  it('scores each tape good / warning / critical with its reasons (--json)', () => {
    const run = box.lto(['--db', db, 'report', '--json']);
    assert.equal(run.status, 2, 'critical tapes: exit 2');
    const r = JSON.parse(run.stdout) as ReportJson;
    assert.deepEqual(r.tapes.map((x) => x.health), ['CRITICAL', 'CRITICAL', 'WARNING', 'GOOD'], 'worst first');
    assert.deepEqual(r.summary, { tapes: 4, good: 1, warning: 1, critical: 2, usedBytes: 4e12 + 1.45e12 + 1e12 + 3e11, capacityBytes: 12e12 * 3 + 1.5e12 });
    const by = new Map(r.tapes.map((x) => [x.tape, x]));
    assert.equal(by.get('000001L8')!.health, 'GOOD');
    assert.deepEqual(by.get('000001L8')!.labels, ['archive', 'offsite']);
    assert.equal(by.get('000002L5')!.health, 'CRITICAL');
    assert.equal(by.get('000002L5')!.usage, 0.9667);
    assert.equal(by.get('000003L8')!.health, 'CRITICAL');
    assert.deepEqual(by.get('000003L8')!.reasons, [{ level: 'CRITICAL', text: 'last verify failed' }]);
    assert.equal(by.get('000004L8')!.health, 'WARNING');
    assert.deepEqual(by.get('000004L8')!.backups, { finished: 4, succeeded: 3, partial: 0, successRate: 0.75 });
    assert.deepEqual(by.get('000004L8')!.reasons.map((x) => x.text), ['never verified', 'only 75% of backups succeeded']);
  });

  it('prints a table for people: one row per tape with its health and notes, worst first; exits 2 for a critical tape', () => {
    const r = box.lto(['--db', db, 'report']);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stdout, /4 tape\(s\): 1 good, 1 warning, 2 critical/);
    const order = [...r.stdout.matchAll(/^(\d{6}L\d)/gm)].map((m) => m[1]);
    assert.deepEqual(order, ['000002L5', '000003L8', '000004L8', '000001L8'], 'critical, then warning, then good');
    assert.match(r.stdout, /000002L5 +critical +96\.7%/);
    assert.match(r.stdout, /000003L8 +critical .*last verify failed/);
  });

  it('writes a self-contained HTML page that shows the summary, a usage bar and the health of every tape (headless Chromium)', { skip: chromiumRuns() ? false : `${CHROMIUM} is not installed (.ci/run installs it)` }, async () => {
    const file = path.join(box.root, 'report.html');
    const r = box.lto(['--db', db, 'report', '--html', file]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /Report written to/);
    const html = fs.readFileSync(file, 'utf8');
    assert.doesNotMatch(html, /<script|<link|src=|url\(/i, 'no script and no external resource');

    const { chromium } = await import('playwright-core');
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'lto-chromium-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 720 },
    });
    try {
      const page = await context.newPage();
      const requests: string[] = [];
      page.on('request', (req) => requests.push(req.url()));
      await page.goto(`file://${file}`);
      assert.deepEqual(requests, [`file://${file}`], 'the page loads nothing else');
      assert.equal(await page.title(), 'Tape health report');

      const cards = await page.locator('.cards .card').allInnerTexts();
      assert.deepEqual(cards.slice(0, 4).map((c) => c.replace(/\s+/g, ' ').trim().toLowerCase()), ['4 tapes', '1 good', '1 warning', '2 critical']);

      const row = (tape: string) => page.locator(`tr[data-tape="${tape}"]`);
      assert.equal(await row('000001L8').locator('.badge').innerText(), 'Good');
      assert.equal(await row('000002L5').locator('.badge').innerText(), 'Critical');
      assert.equal(await row('000004L8').locator('.badge').innerText(), 'Warning');
      assert.match(await row('000003L8').innerText(), /last verify failed/);
      // What the description says, shown as text (escaped, not parsed as markup).
      assert.match(await row('000003L8').innerText(), /Research <data> & "notes"/);
      assert.deepEqual(await row('000001L8').locator('.chip').allInnerTexts(), ['archive', 'offsite']);

      // The usage bar is drawn to scale: its filled part is 96.7% of the track.
      const bar = row('000002L5').locator('.bar');
      const track = await bar.boundingBox();
      const fill = await bar.locator('span').boundingBox();
      assert.ok(track !== null && fill !== null && track.width > 100);
      assert.ok(Math.abs(fill.width / track.width - 0.967) < 0.01, `fill ${fill.width} of ${track.width}`);
      // Critical is red, good is green, as a person sees them.
      const colour = (tape: string) => row(tape).locator('.badge').evaluate((el) => (globalThis as unknown as { getComputedStyle: (e: unknown) => { backgroundColor: string } }).getComputedStyle(el).backgroundColor);
      assert.equal(await colour('000002L5'), 'rgb(198, 40, 40)');
      assert.equal(await colour('000001L8'), 'rgb(26, 127, 55)');

      const shot = await page.screenshot({ fullPage: true });
      assert.ok(shot.length > 10_000, 'the screenshot shows something');
      if (process.env['LTO_UPDATE_SCREENSHOT'] === '1') fs.writeFileSync(path.join(REPO_ROOT, 'docs', 'report.png'), shot);

      // At 700 px nothing runs off the side: each tape is a card of labelled lines.
      await page.setViewportSize({ width: 700, height: 900 });
      const width = await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth);
      assert.ok(width <= 700, `the page is ${width} px wide at 700`);
      const narrow = await row('000003L8').boundingBox();
      assert.ok(narrow !== null && narrow.width <= 700 && narrow.height > 150, `a tape's card at 700 px: ${JSON.stringify(narrow)}`);
      assert.match(await row('000003L8').innerText(), /^0 files · 0 B$/m);
      const small = await page.screenshot({ fullPage: true });
      if (process.env['LTO_REPORT_SHOT_700'] !== undefined) fs.writeFileSync(process.env['LTO_REPORT_SHOT_700'], small);
    } finally {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    }
  });
});
