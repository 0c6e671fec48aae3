import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { REPO_ROOT, sandbox, type Sandbox } from '../support/cli';
import { rewriteTape } from '../support/journal-rewrite';
import type { EventEnvelope } from '../../domain/envelope';

/**
 * A tape written by format lto-archive/1 whose segment names the format features it uses
 * (test/fixtures/make-golden-features.sh wrote it from /tmp/golden-features-src): a sparse
 * file and a file with two names, so its SegmentClosed carries
 * `features: ["sparse-files","hard-links"]`. Never regenerate it. The same tape rewritten
 * as a newer version would write it (a feature this version does not know, on the job or
 * on the whole tape) must be refused where it would be misread, in one line, and still
 * be catalogued and listed where it can.
 */
const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'golden-v1-features');
const TAPE = '000780L6';
const SOURCE = 'tmp/golden-features-src';
const JOB = '01a252e8-f2a3-72a8-a707-0021a122ffe3';

const copyOfFixture = (box: Sandbox, name: string): string => {
  const mount = path.join(box.root, name);
  fs.cpSync(FIXTURE, mount, { recursive: true });
  return mount;
};

/** A newer writer's segment: one more feature, after those this version knows. */
const withFutureSegmentFeature = (event: EventEnvelope): EventEnvelope => {
  if (event.type !== 'SegmentClosed' || typeof event.data !== 'object' || event.data === null) return event;
  return { ...event, data: { ...event.data, features: ['sparse-files', 'hard-links', 'zstd-members'] } };
};

/** The one line a refusal prints, with nothing that looks like a stack trace. */
const assertOneLineRefusal = (stderr: string, pattern: RegExp): void => {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, stderr);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(stderr, /\n\s+at /);
};

describe('golden features tape, format lto-archive/1', () => {
  let box: Sandbox;
  before(() => {
    box = sandbox();
  });
  after(() => box.cleanup());

  it('names the features its segment uses, and restores and verifies them', () => {
    const mount = copyOfFixture(box, 'tape');
    const journal = fs.readFileSync(path.join(mount, 'LTO-ARCHIVE', 'journal.ndjson'), 'utf8');
    assert.match(journal, /"type":"SegmentClosed".*"features":\["sparse-files","hard-links"\]/);
    const recovered = box.lto(['recover', '--mount', mount, '--json']);
    assert.equal(recovered.status, 0, recovered.stderr);
    assert.match(recovered.stdout, /"complete": true/);
    assert.match(recovered.stdout, /"unsupportedJobs": \[\]/);

    const to = path.join(box.root, 'out');
    const restored = box.lto(['restore', TAPE, '--to', to]);
    assert.equal(restored.status, 0, restored.stderr);
    const root = path.join(to, SOURCE);
    const sparse = fs.readFileSync(path.join(root, 'sparse.img'));
    assert.equal(sparse.length, 2 * 1024 * 1024);
    assert.equal(sparse.subarray(1024 * 1024, 1024 * 1024 + 4096).toString(), 'g'.repeat(4096));
    assert.equal(sparse.subarray(0, 1024 * 1024).every((b) => b === 0), true);
    assert.equal(fs.statSync(path.join(root, 'second.txt')).ino, fs.statSync(path.join(root, 'first.txt')).ino);
    assert.equal(fs.readFileSync(path.join(root, 'second.txt'), 'utf8'), 'one file, two names\n');

    const verified = box.lto(['verify', TAPE, '--mount', mount]);
    assert.equal(verified.status, 0, verified.stderr);
  });
});

describe('a tape needing a format feature this version does not know', () => {
  let box: Sandbox;
  beforeEach(() => {
    box = sandbox();
  });
  afterEach(() => box.cleanup());

  it('catalogues and lists a job with an unknown feature, and refuses to restore or verify it', () => {
    const mount = copyOfFixture(box, 'newer-job');
    rewriteTape(mount, { editEvent: withFutureSegmentFeature });

    const recovered = box.lto(['recover', '--mount', mount]);
    assert.equal(recovered.status, 0, recovered.stderr);
    assert.match(recovered.stderr, new RegExp(`job ${JOB} needs format feature "zstd-members" that this version of lto does not know`));
    const json = box.lto(['recover', '--mount', mount, '--json']);
    assert.match(json.stdout, /"features": \[\s*"zstd-members"\s*\]/);

    const listed = box.lto(['browse', TAPE, `/${SOURCE}`]);
    assert.equal(listed.status, 0, listed.stderr);
    assert.match(listed.stdout, /sparse\.img/);

    const to = path.join(box.root, 'out');
    const restored = box.lto(['restore', TAPE, '--to', to, '--mount', mount]);
    assert.equal(restored.status, 4, restored.stderr);
    assertOneLineRefusal(restored.stderr, new RegExp(`job ${JOB} on ${TAPE} needs format feature "zstd-members" that this version of lto does not know .*: use a newer lto; nothing was read or written`));
    assert.equal(fs.existsSync(path.join(to, SOURCE)), false);

    const verified = box.lto(['verify', TAPE, '--mount', mount]);
    assert.equal(verified.status, 4, verified.stderr);
    assertOneLineRefusal(verified.stderr, /needs format feature "zstd-members"/);
    const jobs = box.lto(['jobs', '--tape', TAPE, '--json']);
    assert.doesNotMatch(jobs.stdout, /"VERIFY"/, 'a refused verify records no job');
  });

  it('refuses to read a tape whose label needs an unknown feature, in one line', () => {
    const mount = copyOfFixture(box, 'newer-tape');
    rewriteTape(mount, { editLabel: (label) => ({ ...label, features: ['striped-journal'] }) });
    const recovered = box.lto(['recover', '--mount', mount]);
    assert.equal(recovered.status, 4, recovered.stderr);
    assertOneLineRefusal(recovered.stderr, /volume\.json: this tape needs format feature "striped-journal" that this version of lto does not know/);
    const tapes = box.lto(['tape', 'list', '--json']);
    assert.doesNotMatch(tapes.stdout, new RegExp(TAPE), 'nothing of the tape is catalogued');
  });
});
