import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { optionsFromAlert } from './run-rollback';

// Issue 31: the rollback workflow's dispatch names the environment whose credentials it takes; the
// alert's labels name the one rolled back. They must agree, or nothing happens.
const configDir = join(__dirname, '../../../../../deploy');
const payloadFile = (environment: string) => {
  const file = join(mkdtempSync(join(tmpdir(), 'alert-')), 'payload.json');
  const labels = { alertname: 'TradingErrorRateHigh', service: 'agents', environment, release: 'abc123abc123' };
  writeFileSync(file, JSON.stringify({ version: '4', status: 'firing', alerts: [{ status: 'firing', labels }] }));
  return file;
};

describe('an alert against the environment the rollback runs for', () => {
  it('is refused when the alert names another environment', () => {
    expect(() => optionsFromAlert({ environment: 'staging', alert: payloadFile('staging'), alertEnvironment: 'production' }, configDir)).toThrow(
      "the alert names environment staging, but this rollback runs with production's credentials (alertEnvironment): nothing was rolled back",
    );
  });
  it('goes ahead when they agree, or when no environment is expected', () => {
    expect(optionsFromAlert({ environment: 'staging', alert: payloadFile('production'), alertEnvironment: 'production' }, configDir)).toMatchObject({
      environment: 'production',
      services: ['agents'],
    });
    expect(optionsFromAlert({ environment: 'staging', alert: payloadFile('production') }, configDir)).toMatchObject({ environment: 'production' });
  });
});
