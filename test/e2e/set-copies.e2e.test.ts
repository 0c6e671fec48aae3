import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { journalLines, refused as refusedWith, sandbox, type CliResult, type Sandbox } from '../support/cli';
import { Pty } from '../support/pty';
import { seededBytes } from '../support/seeded';

const PHOTOS = ['000701L7', '000702L7'] as const;
const OFFSITE = ['000711L8', '000712L8'] as const;
const TINY = '000721L8';
const KiB = 1024;

interface Place {
  tape: string;
  job: string;
  original: boolean;
}
interface JobJson {
  job: string;
  tape: string;
  type: string;
  status: string;
  copies: Place[];
  copyOf: { tape: string; job: string } | null;
}
interface SetCopyJson {
  set: string;
  toSet: string;
  status: string;
  copies: { from: string; to: string; status: string; jobs: { original: string; copy: string; status: string }[] }[];
  alreadyCopied: number;
  skipped: { job: string; reason: string }[];
  stopped: string | null;
}

const refused = (r: CliResult, pattern: RegExp): void => refusedWith(r, 2, pattern);

/**
 * Issue 19, item 2 (sets): `lto copy --set A --to-set B` copies every job of A that has no
 * copy on B onto B's tapes, going on to B's next tape as one fills, with the real CLI on
 * folder tapes.
 */
describe('copies of a set: lto copy --set photos --to-set offsite', () => {
  let box: Sandbox;
  let src: string;
  const mounts: Record<string, string> = {};
  const mountArgs = (): string[] => Object.values(mounts).flatMap((m) => ['--mount', m]);
  const jobs = (): JobJson[] => box.json<{ jobs: JobJson[] }>(['jobs']).jobs;
  const backup = (): string => {
    const r = box.lto(['backup', '--set', 'photos', src, '--json', ...(Object.keys(mounts).length > 0 ? ['--mount', mounts[PHOTOS[0]]!] : [])]);
    assert.equal(r.status, 0, r.stderr);
    return (JSON.parse(r.stdout) as { job: string }).job;
  };
  /** `tape list`, `report` (text, --json, HTML) flag exactly these jobs of the set's first tape, with this problem. */
  const flagged = (expected: readonly string[], problem: string, line: RegExp): void => {
    const listed = box.json<{ tapes: { tape: string; copyFlags: { job: string; problem: string }[] }[] }>(['tape', 'list']).tapes;
    const flags = listed.find((t) => t.tape === PHOTOS[0])?.copyFlags ?? [];
    assert.deepEqual(flags.map((f) => [f.job, f.problem]), expected.map((job) => [job, problem]));
    const reported = box.json<{ tapes: { tape: string; copyFlags: { job: string }[] }[] }>(['report', '--fail-on', 'never']).tapes;
    assert.deepEqual(reported.find((t) => t.tape === PHOTOS[0])?.copyFlags.map((f) => f.job), [...expected]);
    const text = box.lto(['report', '--fail-on', 'never']).stdout.split('\n').filter((l) => l.startsWith('! job '));
    assert.equal(text.length, expected.length, text.join('\n'));
    for (const l of text) assert.match(l, line);
    assert.match(box.lto(['tape', 'list']).stdout, expected.length === 0 ? /^(?![\s\S]*job\(s\) short)/ : /000701L7.*(job\(s\) short|in one place)/);
    const html = path.join(box.root, 'report.html');
    assert.equal(box.lto(['report', '--fail-on', 'never', '--html', html]).status, 0);
    assert.equal(fs.readFileSync(html, 'utf8').split(`data-problem="${problem}"`).length - 1, expected.length);
  };
  const write = (name: string, seed: number): void => fs.writeFileSync(path.join(src, name), seededBytes(200 * KiB, seed));

  before(() => {
    box = sandbox();
    src = box.mountPoint('src');
    assert.equal(box.lto(['set', 'create', 'photos', '--copies', '2']).status, 0);
    assert.equal(box.lto(['set', 'create', 'offsite']).status, 0);
    assert.equal(box.lto(['set', 'create', 'tiny']).status, 0);
    const add = (tape: string, set: string, capacity: string): void => {
      mounts[tape] = box.mountPoint(tape);
      const added = box.lto(['tape', 'add', tape, '--mount', mounts[tape]!, '--capacity', capacity, '--set', set]);
      assert.equal(added.status, 0, added.stderr);
    };
    for (const tape of PHOTOS) add(tape, 'photos', '8MiB');
    for (const tape of OFFSITE) add(tape, 'offsite', '1MiB');
    add(TINY, 'tiny', '256KiB');
  });
  after(() => box.cleanup());

  it('copies every job of the first set onto the second, going on to its next tape when one has no room left', () => {
    for (let i = 1; i <= 3; i++) write(`img-${i}.dng`, i);
    const full = backup();
    for (let i = 4; i <= 6; i++) write(`img-${i}.dng`, i);
    const first = backup();
    write('img-7.dng', 7);
    const second = backup();
    flagged([full, first, second], 'TOO_FEW_COPIES', /job .* on 000701L7 \(set photos\): 1 copy of the 2 the set asks for \(000701L7 in library\)/);

    const r = box.lto(['copy', '--set', 'photos', '--to-set', 'offsite', ...mountArgs(), '--json']);
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout) as SetCopyJson;
    assert.equal(report.status, 'SUCCESS');
    assert.deepEqual(
      report.copies.map((c) => [c.from, c.to, c.jobs.map((j) => j.original)]),
      [[PHOTOS[0], OFFSITE[0], [full]], [PHOTOS[0], OFFSITE[1], [first, second]]],
      'the full fills the first offsite tape: the incrementals go on the next',
    );
    const all = jobs();
    for (const job of [full, first, second]) {
      const places = all.find((j) => j.job === job)?.copies.map((p) => p.tape);
      assert.equal(places?.length, 2, `job ${job} is held twice`);
      assert.ok(places?.some((t) => (OFFSITE as readonly string[]).includes(t)));
    }

    // Nothing left to copy: a second run writes nothing.
    const before = journalLines(mounts[OFFSITE[1]]!).length;
    const again = box.json<SetCopyJson>(['copy', '--set', 'photos', '--to-set', 'offsite', ...mountArgs()]);
    assert.deepEqual([again.status, again.copies.length, again.alreadyCopied], ['SUCCESS', 0, 3]);
    assert.equal(journalLines(mounts[OFFSITE[1]]!).length, before);
  });

  it('flags jobs held twice but in one place until a copy is moved elsewhere', () => {
    const all = jobs().filter((j) => j.type === 'BACKUP').map((j) => j.job);
    flagged(all, 'ONE_PLACE', /job .* on 000701L7 \(set photos\): all 2 copies are in one place \(library\)/);
    for (const tape of OFFSITE) assert.equal(box.lto(['tape', 'move', tape, '--to', 'Vault B']).status, 0);
    flagged([], 'ONE_PLACE', /^$/);
  });

  it('retires a tape only once every job it holds has its copies elsewhere; a retired tape takes no backup or copy', async () => {
    const copies = jobs().filter((j) => j.type === 'COPY' && j.tape === OFFSITE[0]);
    assert.equal(copies.length, 1);
    const copy = copies[0]!.job;
    // The full's copy on OFFSITE[0] is one of its two places: retiring it would leave one of the two photos asks for.
    const before = journalLines(mounts[OFFSITE[0]]!).length;
    const r = box.lto(['tape', 'retire', OFFSITE[0]]);
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`retiring ${OFFSITE[0]} would leave 1 job\\(s\\) without the copies their set asks for: ${copy} \\(3 files\\); .*--force; nothing was recorded`));
    const offTerminal = box.lto(['tape', 'retire', OFFSITE[0], '--force']);
    assert.equal(offTerminal.status, 2, offTerminal.stderr);
    assert.match(offTerminal.stderr, /--yes/);
    assert.equal(journalLines(mounts[OFFSITE[0]]!).length, before, 'nothing written by a refusal');

    // On a terminal, --force asks first, naming what would be lost; "n" changes nothing.
    const pty = new Pty(['tape', 'retire', OFFSITE[0], '--force'], { HOME: box.root, LTO_HOME: box.home, NO_COLOR: '1' });
    try {
      await pty.waitFor(new RegExp(`Retire ${OFFSITE[0]} although 1 job\\(s\\) it holds lack their copies elsewhere: ${copy} \\(3 files\\)\\? \\[y/N\\]`));
      await pty.type('n\r');
      assert.equal(await pty.exitCode(60_000), 1, pty.text());
    } finally {
      pty.kill();
    }
    assert.equal(journalLines(mounts[OFFSITE[0]]!).length, before);

    // A tape that holds nothing is retired at once: an event on its journal; then no backup or copy writes to it.
    const spare = '000713L8';
    mounts[spare] = box.mountPoint(spare);
    assert.equal(box.lto(['tape', 'add', spare, '--mount', mounts[spare]!, '--capacity', '1MiB', '--set', 'offsite']).status, 0);
    const retired = box.json<{ tape: string; retired: boolean; changed: boolean; pending: boolean; lost: unknown[] }>(['tape', 'retire', spare]);
    assert.deepEqual([retired.changed, retired.pending, retired.lost], [true, false, []]);
    const last = JSON.parse(journalLines(mounts[spare]!).at(-1)!) as { event: { type: string; data: unknown } };
    assert.deepEqual([last.event.type, last.event.data], ['TapeRetired', { tape: spare, forced: false, lost: [] }]);
    assert.equal(box.json<{ changed: boolean }>(['tape', 'retire', spare]).changed, false);
    const state = box.json<{ tapes: { tape: string; state: string }[] }>(['tape', 'list']).tapes.find((t) => t.tape === spare)?.state;
    assert.equal(state, 'RETIRED');
    assert.match(box.lto(['tape', 'list']).stdout, /000713L8.*retired/);
    refused(box.lto(['backup', spare, src, '--mount', mounts[spare]!]), /tape 000713L8 is retired: nothing writes to it any more/);
    refused(box.lto(['copy', PHOTOS[0], spare, '--mount-src', mounts[PHOTOS[0]]!, '--mount-dst', mounts[spare]!]), /tape 000713L8 is retired/);

    // --force --yes retires it anyway, recording what it alone held; the job is then flagged short of copies again.
    const forced = box.json<{ lost: { job: string; files: number }[] }>(['tape', 'retire', OFFSITE[0], '--force', '--yes']);
    assert.deepEqual(forced.lost, [{ job: copy, files: 3 }]);
    const full = copies[0]!.copyOf?.job;
    const flags = box.json<{ tapes: { tape: string; copyFlags: { job: string; problem: string; copies: number }[] }[] }>(['tape', 'list']).tapes.find((t) => t.tape === PHOTOS[0])?.copyFlags;
    assert.deepEqual(flags?.map((f) => [f.job, f.problem, f.copies]), [[full, 'TOO_FEW_COPIES', 1]]);
    // The retired tape is no baseline for the set: a backup of the set writes again what only it held.
    const plan = box.json<{ tape: string; plan: { new: { files: number }; unchanged: { files: number } } }>(['backup', '--set', 'offsite', src, '--dry-run']);
    assert.deepEqual([plan.tape, plan.plan.new.files, plan.plan.unchanged.files], [OFFSITE[1], 3, 4]);
    const check = box.lto(['catalog', 'check']);
    assert.equal(check.status, 0, check.stdout + check.stderr);
  });

  it('the copy set recovered alone gives a catalog in which every job knows its original, and restores exactly', () => {
    const originals = jobs().filter((j) => j.type === 'BACKUP').map((j) => [j.tape, j.job]);
    const db = path.join(box.root, 'offsite.db');
    const recovered = box.lto(['--db', db, 'recover', '--mount', mounts[OFFSITE[0]]!, '--mount', mounts[OFFSITE[1]]!]);
    assert.equal(recovered.status, 0, recovered.stderr);
    const alone = box.json<{ jobs: JobJson[] }>(['--db', db, 'jobs']).jobs.filter((j) => j.type === 'COPY');
    assert.deepEqual(alone.map((j) => [j.type, j.copyOf?.tape, j.copyOf?.job]), originals.map(([tape, job]) => ['COPY', tape, job]));
    const set = box.json<{ tapes: { tape: string }[] }>(['--db', db, 'set', 'show', 'offsite']);
    assert.deepEqual(set.tapes.map((t) => t.tape), [...OFFSITE]);
    const to = path.join(box.root, 'restored');
    const r = box.lto(['--db', db, 'restore', OFFSITE[0], '--to', to, '--mount', mounts[OFFSITE[0]]!]);
    assert.equal(r.status, 0, r.stderr);
    for (let i = 1; i <= 3; i++) assert.deepEqual(fs.readFileSync(path.join(to, src, `img-${i}.dng`)), seededBytes(200 * KiB, i));
  });

  it('refuses, writing nothing, when the second set has not the room, or when asked badly', () => {
    const before = journalLines(mounts[TINY]!).length;
    refused(box.lto(['copy', '--set', 'photos', '--to-set', 'tiny', ...mountArgs()]), /^error: cannot copy set photos to set tiny: tape 000721L8 has no room for job .*a copy does not span tapes yet.*nothing was written$/);
    assert.equal(journalLines(mounts[TINY]!).length, before);
    refused(box.lto(['copy', '--set', 'photos', '--to-set', 'photos']), /cannot copy set photos to set photos: a set cannot hold a copy of itself/);
    refused(box.lto(['copy', '--set', 'photos', '--to-set', 'nosuch']), /no tape set nosuch/);
    refused(box.lto(['copy', '--set', 'photos']), /--set "photos": expected both --set and --to-set/);
    refused(box.lto(['copy', PHOTOS[0], '--set', 'photos', '--to-set', 'offsite']), /expected no SRC or DST tape with --set/);
  });
});
