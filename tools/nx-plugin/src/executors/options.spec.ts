import deploySchema from './gke-deploy/schema.json';
import rollbackSchema from './rollback/schema.json';
import { withSchemaDefaults } from './options';

describe('withSchemaDefaults', () => {
  it("fills in schema.json's defaults and keeps what was given (an explicit undefined counts as not given)", () => {
    expect(withSchemaDefaults(rollbackSchema, { environment: 'staging', reason: undefined, timeoutSeconds: 5 })).toEqual({
      environment: 'staging',
      configDir: 'tools/deploy',
      reason: 'manual rollback',
      timeoutSeconds: 5,
      all: false,
      recentMinutes: 60,
      alertCooldownMinutes: 30,
      database: false,
    });
    expect(withSchemaDefaults(deploySchema, { environment: 'production', dryRun: true })).toMatchObject({
      configDir: 'tools/deploy',
      dryRun: true,
      skipAnalysis: false,
      retryAborted: false,
      all: false,
    });
  });
});
