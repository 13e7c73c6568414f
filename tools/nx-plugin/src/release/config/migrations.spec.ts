import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrationConfigMap, migrationJob, migrationPlan, parseFile, readMigrations, urlSuffix } from './migrations';

const file = (name: string, kind: string, sql = 'SELECT 1;') => `-- release: ${kind}\n-- migrate:up\n${sql}\n-- migrate:down\n`;

describe('migrations through the deploy', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'migrations-'));
    mkdirSync(join(root, 'apps/svc/migrations'), { recursive: true });
    writeFileSync(join(root, 'apps/svc/migrations.yaml'), 'dir: migrations\ntable: svc_schema_migrations\n');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const put = (name: string, text: string) => writeFileSync(join(root, 'apps/svc/migrations', name), text);

  it('runs every expand migration, in order, holds the contract ones, and names the schema by the newest expand one', () => {
    put('20261201000000_first.sql', file('first', 'expand'));
    put('20261202000000_drop_old.sql', file('drop', 'contract', 'DROP INDEX CONCURRENTLY old;'));
    put('20261203000000_add_column.sql', file('add', 'expand', 'ALTER TABLE t ADD COLUMN c text;'));
    writeFileSync(join(root, 'apps/svc/migrations/README.md'), 'not a migration');
    const plan = migrationPlan(readMigrations(root, 'apps/svc/migrations.yaml'));
    expect(plan.apply.map((f) => f.name)).toEqual(['20261201000000_first.sql', '20261203000000_add_column.sql']);
    expect(plan.held.map((f) => f.name)).toEqual(['20261202000000_drop_old.sql']);
    expect(plan.schemaVersion).toBe('20261203000000');
    expect(plan.table).toBe('svc_schema_migrations');
    expect(plan.hash).toMatch(/^[0-9a-f]{10}$/);
  });

  it('names its ConfigMap and Job by the files it runs: the same files, the same Job (a rerun reuses it); any change, a new one', () => {
    put('20261201000000_first.sql', file('first', 'expand'));
    const before = migrationPlan(readMigrations(root, 'apps/svc/migrations.yaml'));
    put('20261202000000_drop_old.sql', file('drop', 'contract', 'DROP INDEX CONCURRENTLY old;'));
    expect(migrationPlan(readMigrations(root, 'apps/svc/migrations.yaml')).hash).toBe(before.hash); // a held file runs nothing
    put('20261201000000_first.sql', file('first', 'expand', 'SELECT 2;'));
    expect(migrationPlan(readMigrations(root, 'apps/svc/migrations.yaml')).hash).not.toBe(before.hash);
  });

  it('refuses a missing config, a missing folder, a badly named file and a file that declares no kind, naming them', () => {
    expect(() => readMigrations(root, 'apps/other/migrations.yaml')).toThrow(/apps\/other\/migrations\.yaml not found/);
    writeFileSync(join(root, 'apps/svc/migrations.yaml'), 'dir: nowhere\ntable: t\n');
    expect(() => readMigrations(root, 'apps/svc/migrations.yaml')).toThrow(/its folder nowhere does not exist/);
    writeFileSync(join(root, 'apps/svc/migrations.yaml'), 'dir: migrations\ntable: "bad table"\n');
    expect(() => readMigrations(root, 'apps/svc/migrations.yaml')).toThrow(/needs dir .* and table/);
    expect(() => parseFile('first.sql', file('x', 'expand'), 'w')).toThrow(/first\.sql is not named <version digits>/);
    expect(() => parseFile('20261201000000_x.sql', '-- migrate:up\nSELECT 1;\n', 'w')).toThrow(/declares neither/);
  });

  it('a Job that runs dbmate once over the ConfigMap, with the URL from the Secret, never as root, never retried', () => {
    put('20261201000000_first.sql', file('first', 'expand'));
    const plan = migrationPlan(readMigrations(root, 'apps/svc/migrations.yaml'));
    const job = migrationJob({
      service: 'svc',
      environment: 'staging',
      namespace: 'ns',
      plan,
      image: 'reg/postgres:15',
      secret: 'trading-db',
      key: 'url',
      urlSuffix: '?sslmode=disable',
      timeoutSeconds: 300,
    });
    expect(job.metadata).toMatchObject({ name: `svc-migrate-${plan.hash}`, namespace: 'ns' });
    expect(job.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 300 });
    const pod = job.spec!.template.spec!;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532 });
    const [c] = pod.containers;
    expect(c.image).toBe('reg/postgres:15');
    expect([...c.command!, ...c.args!].join(' ')).toBe(
      `dbmate --url $(DATABASE_URL)?sslmode=disable --migrations-dir /migrations --migrations-table svc_schema_migrations --no-dump-schema migrate`,
    );
    expect(c.env).toEqual([{ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'trading-db', key: 'url' } } }]);
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(pod.volumes).toEqual([{ name: 'migrations', configMap: { name: `svc-migrate-${plan.hash}` } }]);
    expect(migrationConfigMap('svc', 'staging', 'ns', plan).data).toEqual({ '20261201000000_first.sql': file('first', 'expand') });
  });

  it("adds to the Secret's URL only what it lacks: TLS off unless asked for, and a lock timeout", () => {
    expect(urlSuffix('postgresql://u:p@h:5432/db')).toBe('?sslmode=disable&lock_timeout=5s');
    expect(urlSuffix('postgresql://u:p@h:5432/db?sslmode=require')).toBe('&lock_timeout=5s');
    expect(urlSuffix('postgresql://u:p@h:5432/db?')).toBe('sslmode=disable&lock_timeout=5s');
    expect(urlSuffix('postgresql://u:p@h/db?sslmode=verify-full&lock_timeout=2s')).toBe('');
  });
});
