import { colorState } from './testing/color-state';
import type { Observed } from './observed';
import { renderStatus, serviceStatus } from './status';

const state = (release: string, replicas = 2) => colorState(release, replicas, `reg/svc@sha256:${'a'.repeat(64)}`);
const observed = (o: Partial<Observed> = {}): Observed => ({
  active: 'blue',
  preview: 'blue',
  activeRelease: 'r1',
  previewRelease: 'r1',
  state: { phase: 'Promoted', since: Date.parse('2026-11-27T10:00:00Z'), reason: 'soak passed' },
  abortedRelease: null,
  abortedReason: '',
  deployments: { blue: state('r1'), green: state('r0', 0) },
  switchedAt: null,
  now: 0,
  ...o,
});
const history = [
  {
    revision: 1,
    image: 'reg/svc@sha256:old',
    release: 'r0',
    gitSha: 'a',
    color: 'green' as const,
    time: 't',
    actor: 'x',
    outcome: 'superseded' as const,
    kind: 'deploy' as const,
  },
  {
    revision: 2,
    image: 'reg/svc@sha256:new',
    release: 'r1',
    gitSha: 'b',
    color: 'blue' as const,
    time: 't',
    actor: 'x',
    outcome: 'live' as const,
    kind: 'deploy' as const,
  },
];

describe('serviceStatus', () => {
  it('reports a healthy promoted release without warnings', () => {
    const s = serviceStatus('svc', observed(), 2, history, null);
    expect(s).toMatchObject({
      live: { color: 'blue', release: 'r1' },
      phase: 'Promoted',
      readyEndpoints: 2,
      history: { live: { revision: 2 }, lastGood: { revision: 1, release: 'r0' } },
      warnings: [],
    });
    expect(s.colors.green).toMatchObject({ release: 'r0', replicas: 0 });
  });

  it('warns about every disagreement an operator must look at', () => {
    const s = serviceStatus('svc', observed({ activeRelease: 'r9', state: { phase: 'Soaking', since: 0, reason: '' } }), 1, history, {
      replicas: 1,
      available: 0,
      image: 'x',
    });
    expect(s.warnings).toEqual([
      'the active Service selects release r9 but blue runs r1',
      '1/2 ready pods of the live release on blue',
      'the history records release r1 as live, the cluster serves r9',
      'soak owed: rerun the deploy (with analysis) to judge this release',
      'a canary is up (0/1 available): a deploy is in its canary, or one was interrupted there',
    ]);
    expect(serviceStatus('svc', observed({ deployments: {} }), 0, [], null).warnings).toContain('the active Service selects blue, which has no Deployment');
  });

  it('says so for a service that was never deployed, and renders the table', () => {
    const none = serviceStatus('new', observed({ active: null, preview: null, activeRelease: '', state: null, deployments: {} }), 0, [], null);
    expect(none).toMatchObject({ live: null, phase: null, preview: null, warnings: [] });
    const text = renderStatus('staging', [serviceStatus('svc', observed({ abortedRelease: 'r2', abortedReason: 'rollback' }), 2, history, null), none]);
    expect(text).toContain('| svc | blue @aaaaaaaaaaaa | r1 | Promoted since 10:00:00Z | 2 | r1 2/2 | r0 0/0 | rev 1 r0 | r2 |');
    expect(text).toContain('| new | not deployed | - | - | 0 | - | - | - | - |');
  });

  it('reports the delivery metrics of each service from its history, 7 and 30 days', () => {
    const now = Date.parse('2026-12-04T12:00:00Z');
    const dated = [
      { ...history[0], time: '2026-11-20T10:00:00Z', commitTime: '2026-11-20T08:00:00Z' },
      { ...history[1], time: '2026-12-04T10:00:00Z', commitTime: '2026-12-04T09:30:00Z' },
    ];
    const s = serviceStatus('svc', observed(), 2, dated, null, null, now);
    expect([s.delivery.days7.deployments, s.delivery.days30.deployments, s.delivery.days30.leadTimeSeconds]).toEqual([1, 2, 4500]);
    const text = renderStatus('staging', [s, serviceStatus('undated', observed(), 2, history, null, null, now)]);
    expect(text).toContain('| svc | 1 / 2 | 30.0 min / 75.0 min | 0% (0/1) / 0% (0/2) | - / - |');
    // Entries without a readable time (older histories) count nowhere rather than breaking the report.
    expect(text).toContain('| undated | 0 / 0 | - / - | - / - | - / - |');
  });
});
