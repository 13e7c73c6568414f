import { databaseSchema } from '../../config/database';
import type { EnvironmentConfig, ServiceConfig } from '../../config/config';
import { databaseServices } from '../database-services';
import { normalizeBackupOptions, normalizeRestoreOptions, statefulDatabase } from './run-database';

const env = (database: unknown) => ({ database: database === undefined ? undefined : databaseSchema.parse(database) }) as unknown as EnvironmentConfig;

describe('the database commands: what they act on', () => {
  it('acts only on a database the platform runs; an external one is sent to its provider, a missing one named', () => {
    const db = statefulDatabase(
      env({ kind: 'statefulset', image: 'i', storage: '1Gi', nodePath: '/v', store: { endpoint: 'http://127.0.0.1:1', bucket: 'b-1' } }),
      'staging',
      'restore',
    );
    expect(db).toMatchObject({ kind: 'statefulset', backupsKept: 5 });
    expect(() => statefulDatabase(env({ kind: 'external', secret: 'cloud-sql' }), 'production', 'restore')).toThrow(
      /the database of production is external \(Secret cloud-sql\): restore it with its provider's tools \(Cloud SQL: gcloud sql backups create; gcloud sql instances clone --point-in-time\)/,
    );
    expect(() => statefulDatabase(env(undefined), 'dev', 'back up')).toThrow(/dev has no database in environments\.yaml: nothing to back up/);
  });

  it('the services a restore stops and replaces are those given the database Secret', () => {
    const service = (name: string, secret?: string) =>
      ({ name, secretEnv: secret ? { DATABASE_URL: { secret, key: 'url' } } : {} }) as unknown as ServiceConfig;
    expect(databaseServices([service('engine', 'trading-db'), service('dashboard'), service('other', 'other-db')], 'trading-db').map((s) => s.name)).toEqual([
      'engine',
    ]);
  });

  it('takes its defaults from schema.json only', () => {
    expect(normalizeBackupOptions({ environment: 'staging' })).toEqual({ environment: 'staging', reason: 'manual', configDir: 'tools/deploy' });
    expect(normalizeRestoreOptions({ environment: 'staging', to: 'x' })).toEqual({ environment: 'staging', to: 'x', configDir: 'tools/deploy' });
  });
});
