import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scoreHealth, type HealthFacts } from '../../../domain/health';

const NOW = Date.parse('2026-11-26T12:00:00Z');
const DAY = 86_400_000;
const healthy: HealthFacts = {
  usedBytes: 50,
  capacityBytes: 100,
  lastVerify: { status: 'SUCCESS', atMs: NOW - 2 * DAY },
  backupsFinished: 5,
  backupsSucceeded: 5,
  lastBackupAtMs: NOW - DAY,
  initialisedAtMs: NOW - 100 * DAY,
};
const score = (over: Partial<HealthFacts>) => scoreHealth({ ...healthy, ...over }, NOW);

describe('tape health score', () => {
  it('is good with room left, a recent backup, all backups ok and a passed verify', () => {
    const s = score({});
    assert.equal(s.health, 'good');
    assert.deepEqual(s.reasons, []);
    assert.equal(s.usage, 0.5);
    assert.equal(s.daysSinceLastBackup, 1);
    assert.equal(s.lastVerifyAgeDays, 2);
  });

  it('is critical past 95% full, after a failed verify, or under 60% successful backups', () => {
    assert.equal(score({ usedBytes: 96 }).health, 'critical');
    assert.equal(score({ usedBytes: 95 }).health, 'warning');
    assert.equal(score({ lastVerify: { status: 'FAILED', atMs: NOW } }).health, 'critical');
    assert.equal(score({ backupsFinished: 5, backupsSucceeded: 2 }).health, 'critical');
    assert.deepEqual(score({ backupsFinished: 5, backupsSucceeded: 2 }).reasons, [{ level: 'critical', text: 'only 40% of backups succeeded' }]);
  });

  it('warns past 80% full, after 30 days without a backup, under 80% successful backups, or never verified', () => {
    assert.equal(score({ usedBytes: 81 }).health, 'warning');
    assert.equal(score({ usedBytes: 80 }).health, 'good');
    assert.equal(score({ lastBackupAtMs: NOW - 31 * DAY }).health, 'warning');
    assert.equal(score({ lastBackupAtMs: NOW - 30 * DAY }).health, 'good');
    assert.equal(score({ backupsFinished: 10, backupsSucceeded: 7 }).health, 'warning');
    assert.deepEqual(score({ lastVerify: null }).reasons, [{ level: 'warning', text: 'never verified' }]);
  });

  it('measures a tape never backed up from the day it was added, and lists critical reasons first', () => {
    const s = score({ lastBackupAtMs: null, backupsFinished: 0, backupsSucceeded: 0, initialisedAtMs: NOW - 40 * DAY, lastVerify: null, usedBytes: 99 });
    assert.equal(s.health, 'critical');
    assert.equal(s.successRate, null);
    assert.deepEqual(s.reasons.map((r) => r.level), ['critical', 'warning', 'warning']);
    assert.match(s.reasons[2]!.text, /no backup in 40 days since it was added/);
    assert.equal(score({ lastBackupAtMs: null, backupsFinished: 0, backupsSucceeded: 0, initialisedAtMs: NOW - DAY }).health, 'good');
  });
});
