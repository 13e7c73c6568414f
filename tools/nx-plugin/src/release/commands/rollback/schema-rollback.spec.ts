import type { Kube } from '../../act/kube';
import { databaseSchema } from '../../config/database';
import { parseFile } from '../../config/migrations';
import type { Release } from '@trading/release-model';
import { type DatabaseRollback, planSchemaRollback } from './schema-rollback';

// What `deploy:rollback --database` decides before anything moves (the cluster's answers given:
// the live release's migration files and the other services' histories). The Jobs, the leases and
// the recovery itself run against the kwok cluster (release.cluster.spec.ts) and the real node
// (deploy's deployed-flow.test.mjs).
const file = (version: string, down: string) => parseFile(`${version}_m.sql`, `-- release: expand\n-- migrate:up\nSELECT 1;\n-- migrate:down\n${down}`, 'test');
const FILES = [file('20261205000000', 'SELECT 0;\n'), file('20261207000000', '')];
const mark = { lsn: '0/9000090', at: '2026-12-05T11:14:00.453Z' };
const entry = (over: Partial<Release>): Release =>
  ({ revision: 1, image: 'reg/engine@sha256:1', outcome: 'live', time: '2026-12-05T11:00:00Z', actor: 'ci', ...over }) as Release;
const current = entry({
  release: 'new',
  schemaVersion: '20261207000000',
  migrations: 'engine-migrate-a',
  backup: { name: '20261205T111359Z-before-engine', mark },
});
const target = entry({ release: 'old', schemaVersion: '20261205000000', outcome: 'superseded' } as Partial<Release>);
const statefulset = databaseSchema.parse({
  kind: 'statefulset',
  image: 'reg/postgres',
  storage: '1Gi',
  nodePath: '/v',
  store: { endpoint: 'http://127.0.0.1:1', bucket: 'b-1' },
});
const db = (over: Partial<DatabaseRollback> = {}): DatabaseRollback => ({ config: statefulset, services: ['engine', 'agents'], timeoutSeconds: 300, ...over });
const kube = (histories: Record<string, Release[]> = {}, files = FILES) =>
  ({
    readMigrationSet: async () => ({ table: 'engine_schema_migrations', files }),
    readHistory: async (service: string) => histories[service] ?? [],
  }) as unknown as Kube;
const plan = (k: Kube, live: Release, d = db()) => planSchemaRollback(k, 'engine', live, target, d, () => undefined);

describe('deploy:rollback --database across an irreversible migration', () => {
  it("recovers to the mark the live release's deploy wrote, when no other service migrated after it", async () => {
    const agents = [entry({ release: 'a1', backup: { name: '20261205T100000Z-before-agents' } })];
    await expect(plan(kube({ agents }), current)).resolves.toEqual({
      kind: 'recover',
      from: '20261207000000',
      to: '20261205000000',
      backup: '20261205T111359Z-before-engine',
      mark,
      why: '20261207000000_m.sql has no down section (irreversible)',
    });
  });

  it('refuses, naming why, what a recovery cannot do', async () => {
    const agents = [entry({ release: 'a2', backup: { name: '20261205T112000Z-before-agents' } })];
    await expect(plan(kube({ agents }), current)).rejects.toThrow(
      /agents's live release migrated the database after the mark \(its backup 20261205T112000Z-before-agents\).*roll agents back first.*Nothing was changed/,
    );
    await expect(plan(kube(), { ...current, backup: { name: '20261205T111359Z-before-engine' } })).rejects.toThrow(
      /recorded no mark to recover to.*deploy:restore-database --to=/,
    );
    const external = databaseSchema.parse({ kind: 'external', secret: 'cloud-sql' });
    await expect(plan(kube(), current, db({ config: external }))).rejects.toThrow(/the database is external, so its provider's point-in-time recovery/);
  });

  it('undoes by down sections when every file has one; nothing when the schemas are the same', async () => {
    const down = await plan(kube({}, [FILES[0], file('20261207000000', 'ALTER TABLE t DROP COLUMN c;\n')]), current);
    expect(down).toMatchObject({ kind: 'down', configMap: 'engine-migrate-a', plan: { from: '20261207000000', to: '20261205000000' } });
    await expect(plan(kube(), { ...current, schemaVersion: '20261205000000' })).resolves.toBeNull();
  });
});
