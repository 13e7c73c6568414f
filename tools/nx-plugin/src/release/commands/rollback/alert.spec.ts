import type { Release } from '@trading/release-model';
import { alertCooldown, rollbackFromAlert } from './alert';

const envs = { staging: 'trading-staging', production: 'trading-production' };
const alert = (status: 'firing' | 'resolved', labels: Record<string, string>, summary?: string) => ({
  status,
  labels: { alertname: 'TradingErrorRateHigh', ...labels },
  annotations: summary ? { summary } : {},
});

describe('rollbackFromAlert (Alertmanager webhook payload v4)', () => {
  it('turns firing alerts into one rollback request', () => {
    const payload = {
      version: '4',
      status: 'firing',
      alerts: [
        alert('firing', { service: 'agents', environment: 'production', release: 'abc123abc123' }, 'agents: 3% 5xx'),
        alert('firing', { service: 'execution-engine', namespace: 'trading-production', alertname: 'TradingLatencyP95High', release: 'def456def456' }),
        alert('resolved', { service: 'dashboard', environment: 'production' }),
      ],
    };
    expect(rollbackFromAlert(payload, envs)).toEqual({
      environment: 'production',
      services: ['agents', 'execution-engine'],
      releases: { agents: 'abc123abc123', 'execution-engine': 'def456def456' },
      reason: 'alert TradingErrorRateHigh, TradingLatencyP95High: agents: 3% 5xx',
    });
  });

  it('does nothing for a resolved notification', () => {
    expect(rollbackFromAlert({ alerts: [alert('resolved', { service: 'agents', environment: 'staging' })] }, envs)).toBeNull();
  });

  it('refuses what it cannot act on safely', () => {
    expect(() => rollbackFromAlert({ alerts: [] }, envs)).toThrow('the payload holds no alerts');
    expect(() => rollbackFromAlert('nope', envs)).toThrow('not an Alertmanager webhook payload');
    expect(() => rollbackFromAlert({ alerts: [{ status: 'firing', labels: {} }] }, envs)).toThrow('alertname');
    expect(() => rollbackFromAlert({ alerts: [alert('firing', { environment: 'staging' })] }, envs)).toThrow('has no service label');
    expect(() => rollbackFromAlert({ alerts: [alert('firing', { service: 'a', namespace: 'kube-system' })] }, envs)).toThrow(
      'neither an environment label nor a namespace of a known environment',
    );
    expect(() => rollbackFromAlert({ alerts: [alert('firing', { service: 'a', environment: 'qa' })] }, envs)).toThrow('alert names environment "qa"');
    expect(() =>
      rollbackFromAlert(
        { alerts: [alert('firing', { service: 'a', environment: 'staging' }), alert('firing', { service: 'a', environment: 'production' })] },
        envs,
      ),
    ).toThrow('several environments (staging, production)');
    expect(() =>
      rollbackFromAlert(
        {
          alerts: [
            alert('firing', { service: 'a', environment: 'staging', release: 'r1' }),
            alert('firing', { service: 'a', environment: 'staging', release: 'r2' }),
          ],
        },
        envs,
      ),
    ).toThrow('the firing alerts of a name several releases (r1, r2)');
  });

  // Issue 34, path 3: an alert that names no release rolled back whatever was live, again and again.
  it('refuses a firing alert that names no release, naming it', () => {
    expect(() =>
      rollbackFromAlert(
        {
          alerts: [
            alert('firing', { service: 'agents', environment: 'staging', release: 'r1' }),
            alert('firing', { service: 'agents', environment: 'staging' }),
          ],
        },
        envs,
      ),
    ).toThrow(/alert TradingErrorRateHigh of agents names no release \(label "release"\), so nothing was rolled back/);
  });
});

describe('alertCooldown (issue 34, path 3: alert rollbacks walked back release after release)', () => {
  const entry = (revision: number, outcome: Release['outcome'], kind: Release['kind'], time: string): Release => ({
    revision,
    image: `img${revision}`,
    release: `r${revision}`,
    gitSha: '',
    color: revision % 2 ? 'blue' : 'green',
    time,
    actor: 'ci',
    outcome,
    kind,
    reason: kind === 'rollback' ? 'alert TradingErrorRateHigh' : undefined,
  });
  const now = Date.parse('2026-12-04T12:00:00Z');
  it('refuses while the live release came back by a rollback within the cooldown', () => {
    const history = [
      entry(1, 'superseded', 'deploy', '2026-12-04T10:00:00Z'),
      entry(2, 'rolled-back', 'deploy', '2026-12-04T11:50:00Z'),
      entry(3, 'live', 'rollback', '2026-12-04T11:55:00Z'),
    ];
    expect(alertCooldown(history, now, 30 * 60_000)).toMatch(
      /restored by a rollback 5 min ago \(alert TradingErrorRateHigh\), within the alert cooldown of 30 min/,
    );
    expect(alertCooldown(history, now, 4 * 60_000)).toBeNull();
  });
  it('lets an alert roll back a deployed release at once', () => {
    expect(
      alertCooldown([entry(1, 'superseded', 'deploy', '2026-12-04T10:00:00Z'), entry(2, 'live', 'deploy', '2026-12-04T11:59:00Z')], now, 30 * 60_000),
    ).toBeNull();
    expect(alertCooldown([], now, 30 * 60_000)).toBeNull();
  });
});
