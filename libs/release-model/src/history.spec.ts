import {
  completeTakenOff,
  live,
  parseHistory,
  previousGood,
  recordFailed,
  recordLive,
  recordRollback,
  recordRollbackBackup,
  recordSchema,
  type Release,
} from './history';

const base = { gitSha: 'abc', time: 't', actor: 'ci', kind: 'deploy' as const };
const deploy = (history: Release[], image: string, color: 'blue' | 'green') => recordLive(history, { ...base, image, color });

describe('release history', () => {
  it('appends releases as live and supersedes the previous live one', () => {
    const h = deploy(deploy([], 'img1', 'blue'), 'img2', 'green');
    expect(h.map((r) => [r.revision, r.image, r.outcome])).toEqual([
      [1, 'img1', 'superseded'],
      [2, 'img2', 'live'],
    ]);
    expect(live(h)?.image).toBe('img2');
  });

  it('rolls back to the newest good release with a different image, skipping failed ones', () => {
    let h = deploy(deploy([], 'img1', 'blue'), 'img2', 'green');
    h = recordFailed(h, { ...base, image: 'img3', color: 'blue', reason: 'timeout' });
    expect(previousGood(h)?.image).toBe('img1');
    const after = recordRollback(h, previousGood(h)!, 'now', 'oncall', 'alert: error rate');
    expect(live(after)).toMatchObject({ image: 'img1', revision: 4, kind: 'rollback', reason: 'alert: error rate', actor: 'oncall' });
    expect(after.find((r) => r.image === 'img2')?.outcome).toBe('rolled-back');
  });

  // Issue 30: a rollback moves traffic, not the schema. Before, the restored entry claimed the
  // schema it was deployed with, while the database stayed at the newer one.
  it('a rollback records the schema the database stays at; a schema rollback then records its own', () => {
    let h = recordLive([], { ...base, image: 'img1', color: 'blue', schemaVersion: '001', migrations: 'svc-migrate-a' });
    h = recordLive(h, { ...base, image: 'img2', color: 'green', schemaVersion: '002', migrations: 'svc-migrate-b' });
    h = recordRollback(h, { ...previousGood(h)!, release: 'r1' }, 'now', 'oncall', 'manual');
    expect(live(h)).toMatchObject({ image: 'img1', schemaVersion: '002', migrations: 'svc-migrate-b' });
    h = recordSchema(h, 'r1', '001', 'svc-migrate-a');
    expect(live(h)).toMatchObject({ image: 'img1', schemaVersion: '001', migrations: 'svc-migrate-a' });
    expect(h.find((r) => r.image === 'img2')).toMatchObject({ outcome: 'rolled-back', schemaVersion: '002' });
  });

  // The deploy's backup is the mark before the release's own migrations: a later recovery to it
  // takes the schema back to what the release before it ran on. A rollback's own backup (taken
  // before its down sections, with the newer schema) is kept beside it, never in its place: a
  // recovery to that one would bring the newer schema back under the restored release.
  it("keeps a release's deploy backup as its mark; a schema rollback's backup is recorded beside it", () => {
    const deployed = { name: '20261205T110000Z-before-svc', mark: { lsn: '0/5000090', at: '2026-12-05T11:00:01.000Z' } };
    let h = recordLive([], { ...base, image: 'img1', color: 'blue', schemaVersion: '001', migrations: 'svc-migrate-a', backup: deployed });
    h = recordLive(h, { ...base, image: 'img2', color: 'green', schemaVersion: '002', migrations: 'svc-migrate-b', backup: { name: 'b2' } });
    h = recordRollback(h, { ...previousGood(h)!, release: 'r1' }, 'now', 'oncall', 'manual');
    const before = { name: '20261205T120000Z-before-rollback-svc', mark: { lsn: '0/9000090', at: '2026-12-05T12:00:01.000Z' } };
    h = recordSchema(h, 'r1', '001', 'svc-migrate-a', before);
    expect(live(h)).toMatchObject({ image: 'img1', schemaVersion: '001', backup: deployed, rollbackBackup: before });
    // A later rollback to that release is a rollback of its own: it does not carry the earlier one's backup.
    const again = recordRollback(h, { ...live(h)!, release: 'r1' }, 'later', 'oncall', 'again').at(-1)!;
    expect(again).toMatchObject({ kind: 'rollback', backup: deployed });
    expect(again.rollbackBackup).toBeUndefined();
    // An application rollback's backup (taken at every rollback) goes to the same place.
    const recorded = live(recordRollbackBackup([...h.slice(0, -1), again], 'r1', { name: 'b3' }))!;
    expect(recorded).toMatchObject({ rollbackBackup: { name: 'b3' }, backup: deployed });
  });

  // Issue 34, item 3: a release rolled back once is no rollback target afterwards, through its
  // older superseded entry. Before: R0, R1, R2; alerts rolled back to R1, then to R0, and the next
  // went back to R1 (rolled back a moment before), walking R0 -> R1 -> R0 ...
  it('never rolls back to a release that was rolled back or failed after it was good', () => {
    let h = deploy(deploy(deploy([], 'r0', 'blue'), 'r1', 'green'), 'r2', 'blue');
    h = recordRollback(h, previousGood(h)!, 'now', 'alert', 'alert: error rate');
    expect(live(h)?.image).toBe('r1');
    h = recordRollback(h, previousGood(h)!, 'now', 'alert', 'alert: error rate');
    expect(live(h)?.image).toBe('r0');
    expect(previousGood(h)).toBeUndefined();
    h = deploy(h, 'r3', 'green');
    expect(previousGood(h)?.image).toBe('r0');
    h = recordFailed(h, { ...base, image: 'r0', color: 'blue', reason: 'rollout timed out' });
    expect(previousGood(h)).toBeUndefined();
  });

  it('has nothing to roll back to after one release or none', () => {
    expect(previousGood([])).toBeUndefined();
    expect(previousGood(deploy([], 'img1', 'blue'))).toBeUndefined();
  });

  // Issue 17, scenario 9: trimming by count alone evicts the live release after 20 failed attempts
  // (and the last good one after 19), so a rollback refuses or goes back too far.
  it('never trims away the live release or the last good one, however many attempts fail', () => {
    let h = deploy(deploy([], 'good', 'blue'), 'live', 'green');
    for (let i = 0; i < 25; i++) h = recordFailed(h, { ...base, image: `bad${i}`, color: 'blue', reason: 'timeout' });
    expect(h).toHaveLength(20);
    expect(live(h)?.image).toBe('live');
    expect(previousGood(h)?.image).toBe('good');
    expect(h.map((r) => r.revision)).toEqual([1, 2, ...Array.from({ length: 18 }, (_, i) => 10 + i)]);
  });

  it('keeps at most 20 releases', () => {
    let h: Release[] = [];
    for (let i = 0; i < 25; i++) h = deploy(h, `img${i}`, i % 2 ? 'green' : 'blue');
    expect(h).toHaveLength(20);
    expect(h.at(-1)?.revision).toBe(25);
  });

  it('parses the stored history', () => {
    expect(parseHistory(undefined)).toEqual([]);
    expect(parseHistory('[]')).toEqual([]);
    expect(() => parseHistory('{}')).toThrow(/not a list/);
  });
});

// A switch-back or rollback writes the active Service, then the history; a run that stopped between
// the two left the release it took off live in the history (found by the plugin's release model).
describe('completing a switch-back the history did not record', () => {
  const r1 = { ...base, image: 'img1', release: 'r1', color: 'blue' as const };
  const r2 = { ...base, image: 'img2', release: 'r2', color: 'green' as const };
  const history = recordLive(recordLive([], r1), r2);
  const since = Date.parse('2026-12-05T20:00:00Z');
  const seen = {
    active: 'blue' as const,
    activeRelease: 'r1',
    abortedRelease: 'r2',
    abortedReason: 'analysis: error rate 3%',
    state: { phase: 'Aborted', since },
  };

  it('records the release taken off as rolled back and the restored one live, at the switch-back time', () => {
    const completed = completeTakenOff(history, seen, 'ci');
    expect(completed?.map((r) => [r.release, r.outcome])).toEqual([
      ['r1', 'superseded'],
      ['r2', 'rolled-back'],
      ['r1', 'live'],
    ]);
    expect(live(completed!)).toMatchObject({ color: 'blue', kind: 'rollback', time: '2026-12-05T20:00:00.000Z', actor: 'ci' });
    expect(live(completed!)?.reason).toMatch(/^analysis: error rate 3% \(recorded by ci: /);
    expect(previousGood(completed!)).toBeUndefined();
  });

  it('changes nothing when the history agrees with the Service, or the Service records no switch-back', () => {
    expect(completeTakenOff(history, { ...seen, activeRelease: 'r2', active: 'green' }, 'ci')).toBeNull();
    expect(completeTakenOff(history, { ...seen, state: { phase: 'Promoted', since } }, 'ci')).toBeNull();
    expect(completeTakenOff(history, { ...seen, abortedRelease: null }, 'ci')).toBeNull();
    expect(completeTakenOff(history, { ...seen, abortedRelease: 'r0' }, 'ci')).toBeNull();
    expect(completeTakenOff([], seen, 'ci')).toBeNull();
  });

  it('changes nothing when the Service went to a release that is not the last good one (not a switch-back of this history)', () => {
    expect(completeTakenOff(history, { ...seen, activeRelease: 'r9' }, 'ci')).toBeNull();
  });
});
