import { downMigrationJob, downPlan, downStatements } from './down-migrations';
import { parseFile } from './migrations';

const file = (version: string, kind: 'expand' | 'contract', down: string) =>
  parseFile(`${version}_m${version.slice(-2)}.sql`, `-- release: ${kind}\n-- migrate:up\nSELECT ${version};\n-- migrate:down\n${down}`, 'test');
const FILES = [
  file('20261201000000', 'expand', '-- Irreversible: the first migration.\n'),
  file('20261202000000', 'expand', 'ALTER TABLE t DROP COLUMN a;\n'),
  file('20261203000000', 'expand', '-- undo\nALTER TABLE t DROP COLUMN b; -- b goes\n'),
];

describe('the database rollback plan (deploy:rollback --database)', () => {
  it("reads a file's down section without comments or blank lines", () => {
    expect(downStatements(FILES[2].text)).toBe('ALTER TABLE t DROP COLUMN b;');
    expect(downStatements(FILES[0].text)).toBe('');
    expect(downStatements('-- migrate:up\nSELECT 1;\n')).toBe('');
    expect(downStatements('-- migrate:down\nDROP TABLE x;\n-- migrate:up\nSELECT 1;\n')).toBe('DROP TABLE x;');
  });

  it('undoes the files after the restored schema up to the live one, newest first; a rerun gets the same Job name', () => {
    const decision = downPlan(FILES, 'svc_schema_migrations', '20261203000000', '20261201000000');
    if (!('plan' in decision)) throw new Error(JSON.stringify(decision));
    expect(decision.plan.files.map((f) => f.version)).toEqual(['20261203000000', '20261202000000']);
    expect(decision.plan).toMatchObject({ from: '20261203000000', to: '20261201000000', table: 'svc_schema_migrations' });
    const again = downPlan([...FILES].reverse(), 'svc_schema_migrations', '20261203000000', '20261201000000');
    expect('plan' in again && again.plan.hash).toBe(decision.plan.hash);
    const shorter = downPlan(FILES, 'svc_schema_migrations', '20261203000000', '20261202000000');
    expect('plan' in shorter && shorter.plan.hash).not.toBe(decision.plan.hash);
  });

  it('does nothing when the schemas are the same or the live release changed none', () => {
    expect(downPlan(FILES, 't', '20261202000000', '20261202000000')).toEqual({ nothing: expect.stringMatching(/already at 20261202000000/) });
    expect(downPlan(FILES, 't', '20261201000000', '20261202000000')).toHaveProperty('nothing');
    expect(downPlan(FILES, 't', undefined, '20261202000000')).toEqual({ nothing: expect.stringMatching(/recorded no schema version/) });
  });

  it('refuses, naming why, what it cannot undo', () => {
    const refused = (d: ReturnType<typeof downPlan>) => ('refused' in d ? d.refused : `not refused: ${JSON.stringify(d)}`);
    expect(refused(downPlan(FILES, 't', '20261203000000', undefined))).toMatch(
      /release to restore recorded no schema version.*restore the database from a backup/,
    );
    expect(downPlan(FILES, 't', '20261202000000', '20261200000000')).toEqual({ irreversible: '20261201000000_m00.sql has no down section (irreversible)' });
    expect(refused(downPlan(FILES.slice(0, 2), 't', '20261203000000', '20261201000000'))).toMatch(/do not include its schema version 20261203000000/);
    const withContract = [...FILES, file('20261204000000', 'contract', 'CREATE INDEX i ON t (a);\n')];
    expect(refused(downPlan(withContract, 't', '20261204000000', '20261201000000'))).toMatch(/20261204000000_m00\.sql is a contract migration/);
  });

  it('runs the guard and dbmate over exactly the undone files, from the live release ConfigMap', () => {
    const decision = downPlan(FILES, 'svc_schema_migrations', '20261203000000', '20261201000000');
    if (!('plan' in decision)) throw new Error('no plan');
    const job = downMigrationJob({
      service: 'svc',
      environment: 'staging',
      namespace: 'ns',
      plan: decision.plan,
      configMap: 'svc-migrate-abc',
      image: 'reg/postgres:15',
      secret: 'trading-db',
      key: 'url',
      urlSuffix: '?sslmode=disable',
      timeoutSeconds: 120,
    });
    expect(job.metadata!.name).toBe(`svc-migrate-down-${decision.plan.hash}`);
    const pod = job.spec!.template.spec!;
    expect(pod.volumes![0].configMap).toEqual({
      name: 'svc-migrate-abc',
      items: [
        { key: '20261203000000_m00.sql', path: '20261203000000_m00.sql' },
        { key: '20261202000000_m00.sql', path: '20261202000000_m00.sql' },
      ],
    });
    const env = Object.fromEntries(pod.containers[0].env!.map((e) => [e.name, e.value ?? e.valueFrom?.secretKeyRef?.name]));
    expect(env).toMatchObject({
      TABLE: 'svc_schema_migrations',
      TARGET: '20261201000000',
      VERSIONS: '20261203000000 20261202000000',
      DATABASE_URL: 'trading-db',
    });
    expect(job.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 120 });
  });
});
