import type * as k8s from '@kubernetes/client-node';
import { databaseSchema } from '../../config/database';
import { type MigrationPlan, migrationPlan, parseFile } from '../../config/migrations';
import { type Apis, type Client, ClusterClient } from './client';
import { downPlan } from '../../config/down-migrations';
import { appliedFiles, readMigrationSet, runDownMigrations, runMigrations } from './migration-writes';

// The Job's life as the API server and the Job controller would report it, in memory: each test
// says how the Job ends (its pod's log and outcome).
const notFound = () => Object.assign(new Error('not found'), { code: 404 });
const URL_B64 = Buffer.from('postgresql://trading:pw@trading-db.ns.svc:5432/trading').toString('base64');
const DB = databaseSchema.parse({
  kind: 'statefulset',
  image: 'reg/postgres:15',
  storage: '1Gi',
  nodePath: '/v',
  store: { endpoint: 'http://127.0.0.1:1', bucket: 'b-1' },
});
const plan: MigrationPlan = migrationPlan({
  config: 'apps/svc/migrations.yaml',
  table: 'svc_schema_migrations',
  files: [
    parseFile('20261201000000_first.sql', '-- release: expand\n-- migrate:up\nSELECT 1;\n-- migrate:down\n', 'w'),
    parseFile('20261202000000_drop.sql', '-- release: contract\n-- migrate:up\nDROP INDEX CONCURRENTLY x;\n-- migrate:down\n', 'w'),
  ],
});

function cluster(outcomes: { status: 'succeeded' | 'failed'; log: string }[], existing?: k8s.V1Job, secret = true) {
  const jobs = new Map<string, k8s.V1Job>(existing ? [[existing.metadata!.name!, existing]] : []);
  const created: k8s.V1Job[] = [];
  const configMaps: k8s.V1ConfigMap[] = [];
  let log = '';
  const apis = {
    core: {
      readNamespacedSecret: async () => {
        if (!secret) throw notFound();
        return { data: { url: URL_B64 } };
      },
      patchNamespacedConfigMap: async ({ body }: { body: k8s.V1ConfigMap }) => configMaps.push(body),
      readNamespacedConfigMap: async ({ name }: { name: string }) => {
        const found = configMaps.find((m) => m.metadata!.name === name);
        if (!found) throw notFound();
        return found;
      },
      listNamespacedPod: async () => ({ items: [{ metadata: { name: 'pod-1' } }] }),
      readNamespacedPodLog: async () => log,
    },
    batch: {
      readNamespacedJob: async ({ name }: { name: string }) => {
        const job = jobs.get(name);
        if (!job) throw notFound();
        return job;
      },
      createNamespacedJob: async ({ body }: { body: k8s.V1Job }) => {
        created.push(body);
        const next = outcomes.shift()!;
        log = next.log;
        jobs.set(body.metadata!.name!, { ...body, status: next.status === 'succeeded' ? { succeeded: 1 } : { failed: 1 } });
      },
      deleteNamespacedJob: async ({ name }: { name: string }) => jobs.delete(name),
    },
  } as unknown as Apis;
  const k8sStub = { setHeaderOptions: () => ({}), PatchStrategy: { ServerSideApply: 'apply' } } as unknown as Client;
  return { c: new ClusterClient(k8sStub, 'https://test', { context: 'test', namespace: 'ns' }, apis), created, configMaps };
}

describe('migrations run by a Job before a release starts', () => {
  const lines: string[] = [];
  const log = (m: string) => lines.push(m);
  beforeEach(() => (lines.length = 0));

  it('applies the expand ones, reports what dbmate applied, and says which contract ones it held back', async () => {
    const { c, created, configMaps } = cluster([
      { status: 'succeeded', log: 'Applying: 20261201000000_first.sql\nApplied: 20261201000000_first.sql in 3ms\n' },
    ]);
    const run = await runMigrations(c, 'svc', 'staging', DB, plan, log, 1);
    expect(run).toEqual({ schemaVersion: '20261201000000', applied: ['20261201000000_first.sql'], reused: false, configMap: `svc-migrate-${plan.hash}` });
    expect(configMaps[0].metadata!.annotations).toEqual({ 'trading.dev/migrations-table': 'svc_schema_migrations' });
    expect(Object.keys(configMaps[0].data!)).toEqual(['20261201000000_first.sql']);
    expect(created[0].spec!.template.spec!.containers[0].args).toContain('$(DATABASE_URL)?sslmode=disable&lock_timeout=5s');
    expect(lines.join('\n')).toMatch(
      /held back \(contract; deploy --contract runs it once the live and the standby release carry it\): 20261202000000_drop\.sql/,
    );
    expect(lines.join('\n')).toMatch(/schema 20261201000000 after [\d.]+ s; applied 20261201000000_first\.sql/);
  });

  it('reuses a completed Job of the same files: a rerun runs nothing', async () => {
    const done = { metadata: { name: `svc-migrate-${plan.hash}` }, status: { succeeded: 1 } };
    const { c, created } = cluster([], done);
    expect(await runMigrations(c, 'svc', 'staging', DB, plan, log, 1)).toEqual({
      schemaVersion: '20261201000000',
      applied: [],
      reused: true,
      configMap: `svc-migrate-${plan.hash}`,
    });
    expect(created).toEqual([]);
  });

  it("replaces a failed Job, and a failure throws with dbmate's words: nothing is rolled", async () => {
    const failedBefore = { metadata: { name: `svc-migrate-${plan.hash}` }, status: { failed: 1 } };
    const { c, created } = cluster(
      [{ status: 'failed', log: 'Applying: 20261201000000_first.sql\nError: pq: relation "no_such_table" does not exist\n' }],
      failedBefore,
    );
    await expect(runMigrations(c, 'svc', 'staging', DB, plan, log, 1)).rejects.toThrow(
      /the migration Job svc-migrate-[0-9a-f]{10} failed; nothing was rolled, traffic is where it was\. dbmate said:\n.*\nError: pq: relation "no_such_table" does not exist/,
    );
    expect(created).toHaveLength(1);
    expect(lines.join('\n')).toMatch(/failed before; replacing it/);
  });

  it('refuses, before any Job, without a URL in the Secret or an image for an external database', async () => {
    await expect(runMigrations(cluster([], undefined, false).c, 'svc', 'staging', DB, plan, log, 1)).rejects.toThrow(
      /Secret trading-db in ns has no key "url"/,
    );
    const external = databaseSchema.parse({ kind: 'external', secret: 'cloud-sql' });
    await expect(runMigrations(cluster([]).c, 'svc', 'production', external, plan, log, 1)).rejects.toThrow(/names no migrationImage/);
    const none = { ...plan, apply: [], schemaVersion: null };
    expect(await runMigrations(cluster([]).c, 'svc', 'staging', DB, none, log, 1)).toEqual({
      schemaVersion: null,
      applied: [],
      reused: false,
      configMap: null,
    });
  });

  it("undoes a release's migrations from its deploy's ConfigMap: the files read back, a Job over the undone ones", async () => {
    const two = migrationPlan({
      config: 'apps/svc/migrations.yaml',
      table: 'svc_schema_migrations',
      files: [
        plan.apply[0],
        parseFile(
          '20261203000000_note.sql',
          '-- release: expand\n-- migrate:up\nALTER TABLE t ADD COLUMN note text;\n-- migrate:down\nALTER TABLE t DROP COLUMN note;\n',
          'w',
        ),
      ],
    });
    const { c, created, configMaps } = cluster([
      { status: 'succeeded', log: 'Applying: 20261203000000_note.sql\n' },
      { status: 'succeeded', log: 'Rolling back: 20261203000000_note.sql\nRolled back: 20261203000000_note.sql in 2ms\nschema: 20261201000000\n' },
    ]);
    const ran = await runMigrations(c, 'svc', 'staging', DB, two, log, 1);
    const set = await readMigrationSet(c, ran.configMap!);
    expect(set).toEqual({ table: 'svc_schema_migrations', files: two.apply });
    const decision = downPlan(set.files, set.table, '20261203000000', '20261201000000');
    if (!('plan' in decision)) throw new Error(JSON.stringify(decision));
    const down = await runDownMigrations(c, 'svc', 'staging', DB, decision.plan, ran.configMap!, log, 1);
    expect(down).toMatchObject({ undone: ['20261203000000_note.sql'], reused: false });
    expect(created[1].spec!.template.spec!.volumes![0].configMap).toEqual({
      name: ran.configMap,
      items: [{ key: '20261203000000_note.sql', path: '20261203000000_note.sql' }],
    });
    expect(lines.join('\n')).toMatch(/schema 20261201000000 after [\d.]+ s; undid 20261203000000_note\.sql/);
    expect(configMaps).toHaveLength(1);
    await expect(readMigrationSet(c, 'svc-migrate-gone')).rejects.toThrow(/ConfigMap svc-migrate-gone of the live release's migrations is gone from ns/);
  });

  it("a failed down Job says the schema stays where it was, with the guard's words", async () => {
    const { c } = cluster([
      { status: 'failed', log: "refused: migration 004 is applied after schema 001 and is not one of the live release's expand migrations (003)\n" },
    ]);
    const decision = downPlan([parseFile('003_x.sql', '-- release: expand\n-- migrate:down\nSELECT 1;\n', 'w')], 't', '003', '001');
    if (!('plan' in decision)) throw new Error(JSON.stringify(decision));
    await expect(runDownMigrations(c, 'svc', 'staging', DB, decision.plan, 'svc-migrate-x', log, 1)).rejects.toThrow(
      /the migration Job svc-migrate-down-[0-9a-f]{10} failed; the schema stays at 003\. dbmate said:\nrefused: migration 004/,
    );
  });

  it("reads dbmate's own log lines", () => {
    expect(appliedFiles('Applying: 1_a.sql\nApplied: 1_a.sql in 1ms\nApplying: 2_b.sql\n')).toEqual(['1_a.sql', '2_b.sql']);
    expect(appliedFiles('')).toEqual([]);
  });
});
