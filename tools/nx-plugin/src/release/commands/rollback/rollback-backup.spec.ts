import type { StatefulSetDatabase } from '../../config/database';
import type { Release } from '@trading/release-model';
import { settleRollbackBackup, startRollbackBackup } from './rollback-backup';

const db = {} as StatefulSetDatabase; // passed through to takeBackup only
const entry = (release: string, outcome: Release['outcome']): Release =>
  ({ revision: 1, image: 'i', release, gitSha: 's', color: 'blue', time: 't', actor: 'a', outcome, kind: 'deploy' }) as Release;

describe("a rollback's base backup", () => {
  it('is named for the service and the moment, and recorded on the restored release once traffic is back', async () => {
    const names: string[] = [];
    let history = [entry('r1', 'live'), entry('r2', 'rolled-back')];
    const kube = {
      takeBackup: async (_env: string, _db: StatefulSetDatabase, name: string) => {
        names.push(name);
        return { name, lsn: '0/5000028', mark: { lsn: '0/5000100', at: '2026-12-05T12:00:01.000Z' }, seconds: 3, reused: false };
      },
      updateHistory: async (_service: string, change: (h: Release[]) => Release[]) => (history = change(history)),
    };
    const log: string[] = [];
    const started = startRollbackBackup(kube, 'staging', db, 'agents', (m) => log.push(m), new Date('2026-12-05T12:00:00Z'));
    const taken = await settleRollbackBackup(kube, 'agents', 'r1', started, (m) => log.push(m));
    expect(names).toEqual(['20261205T120000Z-before-rollback-agents']);
    expect(taken).toEqual({ name: '20261205T120000Z-before-rollback-agents', lsn: '0/5000028', mark: { lsn: '0/5000100', at: '2026-12-05T12:00:01.000Z' } });
    expect(history[0].rollbackBackup).toEqual(taken);
    expect(history[1].rollbackBackup).toBeUndefined();
    expect(log).toEqual([]);
  });

  it('that fails is said and recorded nowhere; the rollback goes on (the promise never rejects)', async () => {
    let updates = 0;
    const kube = {
      takeBackup: async () => {
        throw new Error('Job trading-db-backup-x failed: pg_basebackup: could not connect to server');
      },
      updateHistory: async () => {
        updates += 1;
        return [];
      },
    };
    const log: string[] = [];
    const started = startRollbackBackup(kube, 'staging', db, 'agents', (m) => log.push(m));
    await expect(settleRollbackBackup(kube, 'agents', 'r1', started, (m) => log.push(m))).resolves.toBeUndefined();
    expect(updates).toBe(0);
    expect(log).toEqual([
      "database: the rollback's base backup failed (traffic is back all the same; take one with deploy:backup-database): Job trading-db-backup-x failed: pg_basebackup: could not connect to server",
    ]);
  });
});
