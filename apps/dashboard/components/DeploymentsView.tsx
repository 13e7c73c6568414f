'use client';

import { useEffect, useState } from 'react';
import type { ServiceView } from '@trading/release-model';
import { ago, health, nextCommand, shortImage } from '../lib/deployments';
import { AnalysisPanel } from './AnalysisPanel';
import type { EnvironmentReleases, Releases } from '../lib/releases';

/** How often the page reads the releases again while it is open. */
export const REFRESH_MS = 2000;

const pct = (rate: number | null) => (rate === null ? '-' : `${Math.round(rate * 100)}%`);
const secs = (s: number | null) => (s === null ? '-' : s < 120 ? `${Math.round(s)} s` : s < 7200 ? `${(s / 60).toFixed(1)} min` : `${(s / 3600).toFixed(1)} h`);

function History({ history }: { history: ServiceView['history'] }) {
  if (!history.length) return <p className="muted">No release recorded yet.</p>;
  return (
    <div className="table-scroll">
      <table className="history">
        <thead>
          <tr>
            <th>rev</th>
            <th>release</th>
            <th>image</th>
            <th>colour</th>
            <th>kind</th>
            <th>outcome</th>
            <th>when</th>
            <th>by</th>
            <th className="left">reason</th>
          </tr>
        </thead>
        <tbody>
          {[...history].reverse().map((r) => (
            <tr key={r.revision} data-outcome={r.outcome}>
              <td>{r.revision}</td>
              <td>
                <code>{r.release ?? '-'}</code>
              </td>
              <td>
                <code>{shortImage(r.image)}</code>
              </td>
              <td>{r.color}</td>
              <td>{r.kind}</td>
              <td>
                <span className={`badge outcome-${r.outcome}`}>{r.outcome}</span>
              </td>
              <td>{r.time.replace('T', ' ').slice(0, 19)}</td>
              <td>{r.actor}</td>
              <td className="left reason">{r.reason ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Service({ environment, view, now }: { environment: string; view: ServiceView; now: number }) {
  const { status, history, analysis, incident } = view;
  const state = health(status);
  const next = nextCommand(environment, status);
  return (
    <section className={`service ${state}`} data-testid={`service-${status.service}`} data-health={state}>
      <header>
        <h3>{status.service}</h3>
        <span className={`badge phase-${status.phase ?? 'none'}`} data-testid="phase">
          {status.phase ?? 'not deployed'}
        </span>
        {status.phaseSince ? <span className="muted">since {ago(status.phaseSince, now)}</span> : null}
      </header>
      <dl className="facts">
        <dt>live</dt>
        <dd data-testid="live">
          {status.live ? `${status.live.color} · release ${status.live.release} · ${shortImage(status.live.image)}` : 'nothing serves traffic'}
        </dd>
        <dt>ready</dt>
        <dd>{status.readyEndpoints} pod(s) of the live release</dd>
        {(['blue', 'green'] as const).map((c) => (
          <div key={c} className="color-row">
            <dt className={`color-${c}`}>{c}</dt>
            <dd>
              {status.colors[c]
                ? `${status.colors[c]!.release || '-'} · ${status.colors[c]!.available}/${status.colors[c]!.replicas} available${status.live?.color === c ? ' · live' : ''}`
                : '-'}
            </dd>
          </div>
        ))}
        {status.canary ? (
          <>
            <dt>canary</dt>
            <dd data-testid="canary">
              {status.canary.available}/{status.canary.replicas} available · {shortImage(status.canary.image)}
            </dd>
          </>
        ) : null}
        {status.phaseReason ? (
          <>
            <dt>reason</dt>
            <dd data-testid="phase-reason">{status.phaseReason}</dd>
          </>
        ) : null}
        {status.aborted ? (
          <>
            <dt>taken off</dt>
            <dd data-testid="aborted">
              release {status.aborted.release}: {status.aborted.reason}
            </dd>
          </>
        ) : null}
        {incident ? (
          <>
            <dt>incident</dt>
            <dd data-testid="incident" data-state={incident.state}>
              <a href={incident.url} rel="noreferrer" target="_blank">
                #{incident.number}
              </a>{' '}
              {incident.state === 'open' ? `open since ${ago(incident.openedAt, now)}` : `closed: release ${incident.closedBy ?? '?'} promoted`} · release{' '}
              {incident.release}
            </dd>
          </>
        ) : null}
      </dl>
      {analysis ? <AnalysisPanel record={analysis} now={now} /> : null}
      {status.warnings.length ? (
        <ul className="warnings">
          {status.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      ) : null}
      {next ? (
        <p className="next">
          Next: <code data-testid="next-command">{next.command}</code> <span className="muted">({next.why})</span>
        </p>
      ) : null}
      <div className="table-scroll">
        <table className="delivery">
          <thead>
            <tr>
              <th className="left">delivery</th>
              <th>deployments</th>
              <th>lead time</th>
              <th>change failure rate</th>
              <th>time to restore</th>
            </tr>
          </thead>
          <tbody>
            {(
              [
                ['7 days', status.delivery.days7],
                ['30 days', status.delivery.days30],
              ] as const
            ).map(([label, m]) => (
              <tr key={label}>
                <td className="left">{label}</td>
                <td>{m.deployments}</td>
                <td>{secs(m.leadTimeSeconds)}</td>
                <td>{pct(m.changeFailureRate)}</td>
                <td>{secs(m.timeToRestoreSeconds)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <details>
        <summary>History</summary>
        <History history={history} />
      </details>
    </section>
  );
}

function Environment({ env, now }: { env: EnvironmentReleases; now: number }) {
  return (
    <section className="environment" data-testid={`environment-${env.environment}`}>
      <h2>
        {env.environment} <span className="muted">namespace {env.namespace}</span>
      </h2>
      {'error' in env ? (
        <p className="error">{env.error}</p>
      ) : env.services.length === 0 ? (
        <p className="muted">No service deployed here yet.</p>
      ) : (
        <div className="services">
          {env.services.map((s) => (
            <Service key={s.status.service} environment={env.environment} view={s} now={now} />
          ))}
        </div>
      )}
    </section>
  );
}

/** The releases of every environment, read again every REFRESH_MS without a reload. */
export function DeploymentsView({ initial }: { initial: Releases }) {
  const [data, setData] = useState(initial);
  const [stale, setStale] = useState<string | null>(null);
  useEffect(() => {
    let stopped = false;
    const tick = async () => {
      try {
        const response = await fetch('/api/deployments', { cache: 'no-store' });
        const body = await response.json();
        if (!response.ok) throw new Error(body.error ?? `HTTP ${response.status}`);
        if (!stopped) {
          setData(body);
          setStale(null);
        }
      } catch (error) {
        if (!stopped) setStale((error as Error).message);
      }
    };
    const timer = setInterval(tick, REFRESH_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);
  const now = Date.parse(data.readAt);
  return (
    <>
      <p className="muted" aria-live="polite">
        Read from the cluster at <span data-testid="read-at">{data.readAt.slice(11, 19)}Z</span>, every {REFRESH_MS / 1000} s
        {stale ? <span className="error"> · last refresh failed: {stale}</span> : null}
      </p>
      {data.environments.length === 0 ? (
        <p className="muted">No environment configured: the deploy sets RELEASES_NAMESPACE in the dashboard&apos;s pods; elsewhere set RELEASES_NAMESPACES.</p>
      ) : (
        data.environments.map((env) => <Environment key={env.environment} env={env} now={now} />)
      )}
    </>
  );
}
