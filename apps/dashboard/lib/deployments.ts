import type { ServiceStatus } from '@trading/release-model';

// What the Deployments page says about a service beyond the status itself: pure, so it is tested
// without a browser.

/** An image as a person reads it: its repository and the first 12 digits of its digest. */
export function shortImage(image: string): string {
  const m = /^(?:.*\/)?([^/@]+)@sha256:([0-9a-f]{12})[0-9a-f]*$/.exec(image);
  return m ? `${m[1]}@${m[2]}` : image || '-';
}

/** How long ago `iso` was, from `now`: 42 s, 7 min, 3 h, 2 d. */
export function ago(iso: string | null, now: number): string {
  if (!iso) return '-';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  if (s < 172_800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}

/** The health a colour stands for on the page: judging, healthy, failed or idle. */
export function health(status: ServiceStatus): 'judging' | 'healthy' | 'failed' | 'idle' {
  if (!status.live) return 'idle';
  if (status.phase === 'Soaking' || status.phase === 'Halted' || status.canary) return 'judging';
  if (status.phase === 'Aborted' || status.phase === 'RolledBack' || status.warnings.some((w) => /ready pods|no Deployment|orphaned/.test(w))) return 'failed';
  return 'healthy';
}

/** The command an operator would run next, and why; null when nothing is owed. */
export function nextCommand(environment: string, status: ServiceStatus): { command: string; why: string } | null {
  const c = `-c ${environment} --services=${status.service}`;
  if (status.orphanedSince) return { command: `npx nx run deploy:reconcile -c ${environment}`, why: 'the run that owed its verdict is gone' };
  if (status.phase === 'Soaking') return { command: `npx nx run deploy:abort ${c}`, why: 'to take the release being judged off traffic now' };
  if (status.phase === 'Halted') return { command: `npx nx run deploy:promote ${c}`, why: 'its soak could not judge it: accept it on purpose, or abort it' };
  if (status.live && status.history.lastGood)
    return {
      command: `npx nx run deploy:rollback ${c}`,
      why: `back to revision ${status.history.lastGood.revision} (${status.history.lastGood.release || shortImage(status.history.lastGood.image)})`,
    };
  return null;
}
