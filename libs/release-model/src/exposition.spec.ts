import { colorState } from './testing/color-state';
import type { Observed } from './observed';
import type { Release } from './history';
import { statusExposition } from './exposition';
import { serviceStatus } from './status';

const NOW = Date.parse('2026-12-04T12:00:00Z');
const image = `reg/svc@sha256:${'a'.repeat(64)}`;
const observed: Observed = {
  active: 'blue',
  preview: 'blue',
  activeRelease: 'r2',
  previewRelease: 'r2',
  state: { phase: 'Promoted', since: NOW - 60_000, reason: 'soak passed' },
  abortedRelease: null,
  abortedReason: '',
  deployments: { blue: colorState('r2', 2, image), green: colorState('r1', 0, image) },
  switchedAt: null,
  now: NOW,
};
const entry = (revision: number, kind: Release['kind'], outcome: Release['outcome'], time: string, commitTime?: string): Release => ({
  revision,
  image,
  release: `r${revision}`,
  gitSha: `sha${revision}`,
  color: 'blue',
  time,
  actor: 'ci',
  outcome,
  kind,
  ...(commitTime ? { commitTime } : {}),
});
// Within 7 days: r1 went live (committed an hour before) and was rolled back 10 min later (r2,
// restoring an older release). Twenty days ago: r0, superseded, with no commit time.
const history: Release[] = [
  entry(0, 'deploy', 'superseded', '2026-11-14T12:00:00Z'),
  entry(1, 'deploy', 'rolled-back', '2026-12-03T12:00:00Z', '2026-12-03T11:00:00Z'),
  entry(2, 'rollback', 'live', '2026-12-03T12:10:00Z'),
];

describe('the status as Prometheus metrics', () => {
  it('has one family per metric, HELP and TYPE first, a sample per service and window, no sample where there is no value', () => {
    const text = statusExposition('staging', [serviceStatus('agents', observed, 2, history, null, null, NOW)]);
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.trimEnd().split('\n');
    expect(lines.filter((l) => l.startsWith('# TYPE'))).toEqual([
      '# TYPE trading_release_live_info gauge',
      '# TYPE trading_release_ready_pods gauge',
      '# TYPE trading_release_phase_info gauge',
      '# TYPE trading_release_warnings gauge',
      '# TYPE trading_delivery_deployments gauge',
      '# TYPE trading_delivery_lead_time_seconds gauge',
      '# TYPE trading_delivery_change_failure_ratio gauge',
      '# TYPE trading_delivery_time_to_restore_seconds gauge',
    ]);
    const samples = lines.filter((l) => !l.startsWith('#'));
    expect(samples).toEqual([
      `trading_release_live_info{environment="staging",service="agents",color="blue",release="r2",image="${image}"} 1`,
      'trading_release_ready_pods{environment="staging",service="agents"} 2',
      'trading_release_phase_info{environment="staging",service="agents",phase="Promoted"} 1',
      'trading_release_warnings{environment="staging",service="agents"} 0',
      // 7 days: r1 only; 30 days: r0 and r1.
      'trading_delivery_deployments{environment="staging",service="agents",window="7d"} 1',
      'trading_delivery_deployments{environment="staging",service="agents",window="30d"} 2',
      'trading_delivery_lead_time_seconds{environment="staging",service="agents",window="7d"} 3600',
      'trading_delivery_lead_time_seconds{environment="staging",service="agents",window="30d"} 3600',
      'trading_delivery_change_failure_ratio{environment="staging",service="agents",window="7d"} 1',
      'trading_delivery_change_failure_ratio{environment="staging",service="agents",window="30d"} 0.5',
      'trading_delivery_time_to_restore_seconds{environment="staging",service="agents",window="7d"} 600',
      'trading_delivery_time_to_restore_seconds{environment="staging",service="agents",window="30d"} 600',
    ]);
  });

  it('a service never deployed has no live release, no phase and no delivery samples (absent, not 0)', () => {
    const never: Observed = { ...observed, active: null, preview: null, activeRelease: '', previewRelease: '', state: null, deployments: {} };
    const text = statusExposition('staging', [serviceStatus('dashboard', never, 0, [], null, null, NOW)]);
    expect(text).not.toMatch(/^trading_release_live_info\{/m);
    expect(text).not.toMatch(/^trading_release_phase_info\{/m);
    expect(text).toMatch(/^trading_delivery_deployments\{environment="staging",service="dashboard",window="7d"\} 0$/m);
    expect(text).not.toMatch(/^trading_delivery_(lead_time|change_failure|time_to_restore)\S*\{/m);
  });

  it('escapes backslashes, quotes and newlines in label values', () => {
    const odd = serviceStatus('svc', { ...observed, activeRelease: 'a"b\\c\nd' }, 2, [], null, null, NOW);
    expect(statusExposition('qa', [odd])).toContain('release="a\\"b\\\\c\\nd"');
  });
});
