import { act, render, screen, within } from '@testing-library/react';
import type { ClusterReader, ServiceView } from '@trading/release-model';
import { DeploymentsView, REFRESH_MS } from '../components/DeploymentsView';
import { ago, health, nextCommand, shortImage } from '../lib/deployments';
import { explain, readEnvironment, type Releases, targets } from '../lib/releases';

const image = (n: number) => `127.0.0.1:5000/trading/agents@sha256:${String(n).repeat(64)}`;
const delivery = {
  days: 7,
  since: '2026-12-01T00:00:00Z',
  deployments: 2,
  perDay: 0.3,
  leadTimeSeconds: 600,
  failures: 1,
  changeFailureRate: 0.5,
  timeToRestoreSeconds: 30,
};

function view(overrides: Partial<ServiceView['status']> = {}, history: ServiceView['history'] = [], analysis: ServiceView['analysis'] = null): ServiceView {
  return {
    status: {
      service: 'agents',
      live: { color: 'green', release: 'r2', image: image(2) },
      phase: 'Promoted',
      phaseSince: '2026-12-05T10:00:00.000Z',
      phaseReason: 'soak passed',
      readyEndpoints: 2,
      preview: { color: 'green', release: 'r2' },
      colors: {
        blue: { release: 'r1', image: image(1), replicas: 2, available: 2, updated: 2, pods: 2 },
        green: { release: 'r2', image: image(2), replicas: 2, available: 2, updated: 2, pods: 2 },
      },
      canary: null,
      aborted: null,
      history: {
        live: { revision: 2, release: 'r2', image: image(2), schemaVersion: null },
        lastGood: { revision: 1, release: 'r1', image: image(1), schemaVersion: null },
      },
      orphanedSince: null,
      delivery: { days7: delivery, days30: { ...delivery, days: 30 } },
      warnings: [],
      ...overrides,
    },
    history,
    analysis,
    incident: null,
  };
}

const releases = (services: ServiceView[], readAt = '2026-12-05T10:05:00.000Z'): Releases => ({
  readAt,
  environments: [{ environment: 'staging', namespace: 'trading-staging', services }],
});

describe('what the Deployments page says of a service', () => {
  it('short images, ages and health', () => {
    expect(shortImage(image(3))).toBe('agents@333333333333');
    expect(shortImage('nginx:1')).toBe('nginx:1');
    expect(shortImage('')).toBe('-');
    const now = Date.parse('2026-12-05T10:00:00Z');
    expect([
      ago(null, now),
      ago('2026-12-05T09:59:30Z', now),
      ago('2026-12-05T09:30:00Z', now),
      ago('2026-12-05T05:00:00Z', now),
      ago('2026-12-01T00:00:00Z', now),
    ]).toEqual(['-', '30 s ago', '30 min ago', '5 h ago', '4 d ago']);
    expect(health(view().status)).toBe('healthy');
    expect(health(view({ phase: 'Soaking' }).status)).toBe('judging');
    expect(health(view({ canary: { replicas: 1, available: 1, image: image(3) } }).status)).toBe('judging');
    expect(health(view({ phase: 'Aborted' }).status)).toBe('failed');
    expect(health(view({ warnings: ['1/2 ready pods of the live release on green'] }).status)).toBe('failed');
    expect(health(view({ live: null, phase: null }).status)).toBe('idle');
  });

  it('names the command an operator would run next', () => {
    expect(nextCommand('staging', view().status)).toEqual({
      command: 'npx nx run deploy:rollback -c staging --services=agents',
      why: 'back to revision 1 (r1)',
    });
    expect(nextCommand('production', view({ phase: 'Soaking' }).status)?.command).toBe('npx nx run deploy:abort -c production --services=agents');
    expect(nextCommand('staging', view({ phase: 'Halted' }).status)?.command).toBe('npx nx run deploy:promote -c staging --services=agents');
    expect(nextCommand('staging', view({ orphanedSince: '2026-12-05T10:00:00Z' }).status)?.command).toBe('npx nx run deploy:reconcile -c staging');
    expect(nextCommand('staging', view({ history: { live: null, lastGood: null } }).status)).toBeNull();
  });
});

describe('where the page reads from', () => {
  it('the namespaces configured, or its own', () => {
    expect(targets({ RELEASES_NAMESPACES: 'staging=trading-staging, production=trading-production' })).toEqual([
      { environment: 'staging', namespace: 'trading-staging' },
      { environment: 'production', namespace: 'trading-production' },
    ]);
    expect(targets({ RELEASES_NAMESPACE: 'trading-staging', RELEASES_ENVIRONMENT: 'staging' })).toEqual([
      { environment: 'staging', namespace: 'trading-staging' },
    ]);
    expect(targets({ RELEASES_NAMESPACE: 'ns' })).toEqual([{ environment: 'ns', namespace: 'ns' }]);
    expect(targets({})).toEqual([]);
    expect(() => targets({ RELEASES_NAMESPACES: 'staging:trading-staging' })).toThrow(
      'RELEASES_NAMESPACES: "staging:trading-staging" is not environment=namespace',
    );
  });

  it('an environment it may not read, or cannot reach, says so instead of failing the page', async () => {
    const refusing = { listDeployments: () => Promise.reject(Object.assign(new Error('deployments is forbidden'), { code: 403 })) } as unknown as ClusterReader;
    expect(await readEnvironment(refusing, { environment: 'production', namespace: 'p' })).toEqual({
      environment: 'production',
      namespace: 'p',
      error: 'forbidden: this identity may not read the releases here (deployments is forbidden)',
    });
    expect(explain(Object.assign(new Error('x'), { code: 500, body: 'etcd timeout' }))).toBe('the Kubernetes API answered 500: etcd timeout');
    expect(explain(new Error('connect ECONNREFUSED 198.18.0.1:443'))).toBe('cannot reach the Kubernetes API: connect ECONNREFUSED 198.18.0.1:443');
    const empty = { listDeployments: async () => [] } as unknown as ClusterReader;
    expect(await readEnvironment(empty, { environment: 'staging', namespace: 's' })).toEqual({ environment: 'staging', namespace: 's', services: [] });
  });
});

describe('DeploymentsView', () => {
  afterEach(() => jest.useRealTimers());

  it('shows each service: live release, colours, phase, history with reasons, delivery and the next command', () => {
    const history: ServiceView['history'] = [
      {
        revision: 1,
        release: 'r1',
        image: image(1),
        gitSha: 'a',
        color: 'blue',
        time: '2026-12-05T09:00:00Z',
        actor: 'ci',
        outcome: 'superseded',
        kind: 'deploy',
      },
      {
        revision: 2,
        release: 'r9',
        image: image(9),
        gitSha: 'b',
        color: 'green',
        time: '2026-12-05T09:30:00Z',
        actor: 'ci',
        outcome: 'rolled-back',
        kind: 'deploy',
        reason: 'automatic: soak analysis failed: error-rate 3.10% > 1.00%',
      },
    ];
    render(<DeploymentsView initial={releases([view({}, history)])} />);
    const card = screen.getByTestId('service-agents');
    expect(card).toHaveAttribute('data-health', 'healthy');
    expect(within(card).getByTestId('phase')).toHaveTextContent('Promoted');
    expect(within(card).getByTestId('live')).toHaveTextContent('green · release r2 · agents@222222222222');
    expect(within(card).getByText('r1 · 2/2 available')).toBeInTheDocument();
    expect(within(card).getByTestId('next-command')).toHaveTextContent('npx nx run deploy:rollback -c staging --services=agents');
    const failed = within(card).getByRole('row', { name: /r9/ });
    expect(within(failed).getByText('rolled-back')).toHaveClass('outcome-rolled-back');
    expect(within(failed).getByText(/error-rate 3\.10% > 1\.00%/)).toBeInTheDocument();
    expect(within(card).getAllByText('50%')).toHaveLength(2); // change failure rate, 7 and 30 days
    expect(screen.getByTestId('read-at')).toHaveTextContent('10:05:00Z');
  });

  it('reads the releases again every 2 s and shows what changed, without a reload; a failed read is said, the last data kept', async () => {
    jest.useFakeTimers();
    const next = releases(
      [view({ phase: 'Soaking', canary: { replicas: 1, available: 1, image: image(3) }, warnings: ['soak owed'] })],
      '2026-12-05T10:05:02.000Z',
    );
    const fetchMock = jest
      .fn()
      .mockResolvedValueOnce({ ok: true, json: async () => next })
      .mockResolvedValueOnce({ ok: false, status: 500, json: async () => ({ error: 'cannot reach the Kubernetes API' }) });
    global.fetch = fetchMock as unknown as typeof fetch;
    render(<DeploymentsView initial={releases([view()])} />);
    expect(screen.getByTestId('phase')).toHaveTextContent('Promoted');
    await act(async () => {
      jest.advanceTimersByTime(REFRESH_MS);
    });
    expect(fetchMock).toHaveBeenCalledWith('/api/deployments', { cache: 'no-store' });
    expect(screen.getByTestId('phase')).toHaveTextContent('Soaking');
    expect(screen.getByTestId('service-agents')).toHaveAttribute('data-health', 'judging');
    expect(screen.getByTestId('canary')).toHaveTextContent('1/1 available');
    await act(async () => {
      jest.advanceTimersByTime(REFRESH_MS);
    });
    expect(screen.getByText(/last refresh failed: cannot reach the Kubernetes API/)).toBeInTheDocument();
    expect(screen.getByTestId('phase')).toHaveTextContent('Soaking');
  });

  it('shows the analysis being made: progress, time left, each metric against its threshold; then the verdict', () => {
    const soak: NonNullable<ServiceView['analysis']> = {
      kind: 'soak',
      release: 'r2',
      label: 'soak of agents on green',
      startedAt: '2026-12-05T10:04:00.000Z',
      deadline: '2026-12-05T10:06:00.000Z',
      intervalSeconds: 10,
      metrics: [
        { name: 'error-rate', unit: 'ratio', failWhen: { above: 0.01 }, failureLimit: 0 },
        { name: 'p95-latency', unit: 'seconds', failWhen: { above: 0.5 }, failureLimit: 0 },
        { name: 'throughput', unit: 'count', failWhen: { below: 5 }, failureLimit: 0 },
      ],
      rounds: [
        { at: '2026-12-05T10:04:10.000Z', values: { 'error-rate': 0, 'p95-latency': 0.012, throughput: 9 } },
        { at: '2026-12-05T10:04:20.000Z', values: { 'error-rate': 0.031, 'p95-latency': null, throughput: 7.5 }, health: '1/2 ready endpoints behind agents' },
      ],
      verdict: null,
    };
    const { unmount } = render(<DeploymentsView initial={releases([view({ phase: 'Soaking' }, [], soak)])} />);
    const panel = screen.getByTestId('analysis');
    expect(within(panel).getByTestId('analysis-left')).toHaveTextContent('round 2, 60 s left');
    expect(within(panel).getByRole('progressbar')).toHaveAttribute('aria-valuenow', '50');
    expect(within(within(panel).getByTestId('metric-error-rate')).getByText('3.10%')).toHaveClass('loss');
    expect(within(panel).getByTestId('metric-error-rate')).toHaveTextContent('fails above 1.00%');
    expect(within(panel).getByTestId('metric-p95-latency')).toHaveTextContent('no data');
    expect(within(panel).getByTestId('metric-p95-latency')).toHaveTextContent('fails above 500 ms');
    expect(within(panel).getByTestId('metric-throughput')).toHaveTextContent('7.5fails below 5');
    expect(within(panel).getByText('health: 1/2 ready endpoints behind agents')).toBeInTheDocument();
    expect(panel.querySelectorAll('circle.breach')).toHaveLength(1);
    expect(within(panel).getByRole('img', { name: 'error-rate: 2 round(s), fails above 1.00%' })).toBeInTheDocument();
    unmount();
    const verdict = {
      ...soak,
      rounds: soak.rounds.slice(0, 1),
      verdict: { status: 'failed' as const, reason: 'error-rate 3.10% > 1.00%', at: '2026-12-05T10:04:21.000Z' },
    };
    render(<DeploymentsView initial={releases([view({ phase: 'Aborted' }, [], verdict)])} />);
    expect(screen.getByTestId('analysis-verdict')).toHaveTextContent('failed after 1 round(s) — error-rate 3.10% > 1.00%');
    expect(screen.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100');
  });

  it('a service taken off traffic: red, its reason, its warnings; one never deployed: idle', () => {
    const aborted = view({
      phase: 'Aborted',
      phaseReason: 'automatic: soak analysis failed: error-rate 3.10% > 1.00%',
      aborted: { release: 'r9', reason: 'error-rate 3.10% > 1.00%' },
      warnings: ['the history records release r9 as live, the cluster serves r2'],
      delivery: {
        days7: { ...delivery, leadTimeSeconds: null, changeFailureRate: null, timeToRestoreSeconds: 7200 },
        days30: { ...delivery, leadTimeSeconds: 150 },
      },
    });
    aborted.incident = {
      number: 7,
      url: 'https://github.com/acme/trading/issues/7',
      title: 'Incident: agents in staging, release r9 taken off traffic',
      release: 'r9',
      state: 'open',
      openedAt: '2026-12-05T10:04:00.000Z',
      updatedAt: '2026-12-05T10:04:00.000Z',
    };
    const idle = view({ live: null, phase: null, phaseSince: null, phaseReason: '', colors: {}, history: { live: null, lastGood: null } });
    idle.status.service = 'quotes';
    render(<DeploymentsView initial={releases([aborted, idle])} />);
    const card = screen.getByTestId('service-agents');
    expect(card).toHaveAttribute('data-health', 'failed');
    expect(within(card).getByTestId('aborted')).toHaveTextContent('release r9: error-rate 3.10% > 1.00%');
    expect(within(card).getByTestId('phase-reason')).toHaveTextContent('soak analysis failed');
    expect(within(card).getByTestId('incident')).toHaveTextContent(/^#7 open since \d+ (s|min) ago · release r9$/);
    expect(within(card).getByRole('link', { name: '#7' })).toHaveAttribute('href', 'https://github.com/acme/trading/issues/7');
    expect(within(card).getByText(/the history records release r9/)).toBeInTheDocument();
    expect(within(card).getByText('2.0 h')).toBeInTheDocument();
    expect(within(card).getByText('2.5 min')).toBeInTheDocument();
    const quotes = screen.getByTestId('service-quotes');
    expect(quotes).toHaveAttribute('data-health', 'idle');
    expect(within(quotes).getByTestId('live')).toHaveTextContent('nothing serves traffic');
    expect(within(quotes).getByText('No release recorded yet.')).toBeInTheDocument();
    expect(within(quotes).queryByTestId('next-command')).toBeNull();
    expect(within(quotes).queryByTestId('incident')).toBeNull();
  });

  it('an incident closed by a later promotion says which release closed it', () => {
    const promoted = view();
    promoted.incident = {
      number: 7,
      url: 'https://github.com/acme/trading/issues/7',
      title: 'Incident: agents in staging, release r9 taken off traffic',
      release: 'r9',
      state: 'closed',
      openedAt: '2026-12-05T10:04:00.000Z',
      updatedAt: '2026-12-05T10:30:00.000Z',
      closedBy: 'r2',
    };
    render(<DeploymentsView initial={releases([promoted])} />);
    expect(screen.getByTestId('incident')).toHaveTextContent('#7 closed: release r2 promoted · release r9');
    expect(screen.getByTestId('incident')).toHaveAttribute('data-state', 'closed');
  });

  it('says when no environment is configured, and shows an environment that could not be read', () => {
    const { unmount } = render(<DeploymentsView initial={{ readAt: '2026-12-05T10:00:00.000Z', environments: [] }} />);
    expect(screen.getByText(/No environment configured/)).toBeInTheDocument();
    unmount();
    render(
      <DeploymentsView
        initial={{ readAt: '2026-12-05T10:00:00.000Z', environments: [{ environment: 'production', namespace: 'p', error: 'forbidden: no' }] }}
      />,
    );
    expect(screen.getByTestId('environment-production')).toHaveTextContent('forbidden: no');
  });
});
