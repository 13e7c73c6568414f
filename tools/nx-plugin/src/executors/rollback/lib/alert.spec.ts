import { rollbackFromAlert } from './alert';

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
        alert('firing', { service: 'execution-engine', namespace: 'trading-production', alertname: 'TradingLatencyP95High' }),
        alert('resolved', { service: 'dashboard', environment: 'production' }),
      ],
    };
    expect(rollbackFromAlert(payload, envs)).toEqual({
      environment: 'production',
      services: ['agents', 'execution-engine'],
      releases: { agents: 'abc123abc123' },
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
});
