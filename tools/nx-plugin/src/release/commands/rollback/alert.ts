import { z } from 'zod';
import { live, type Release } from '@trading/release-model';

/**
 * The alert entry point: an Alertmanager webhook payload (version 4), as Alertmanager posts it
 * or as the rollback workflow receives it in repository_dispatch's client_payload. Firing alerts
 * labelled with a service (and an environment or a namespace) become one rollback request.
 */
const alertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: z.record(z.string(), z.string()).refine((l) => 'alertname' in l, 'every alert needs an alertname label'),
  annotations: z.record(z.string(), z.string()).default({}),
  startsAt: z.string().optional(),
});

export const alertPayloadSchema = z.object({
  version: z.literal('4').optional(),
  status: z.enum(['firing', 'resolved']).optional(),
  alerts: z.array(alertSchema).min(1, 'the payload holds no alerts'),
});

export interface AlertRequest {
  environment: string;
  services: string[];
  /** Service -> the release its firing alerts name (their `release` label; every firing alert names one). */
  releases: Record<string, string>;
  reason: string;
}

/**
 * Pure: which rollback the payload asks for, or null when no alert is firing (a resolved
 * notification). Alerts naming several environments are refused: one rollback runs in one place.
 * `environments` maps environment names to namespaces, so an alert with only a namespace label works.
 */
export function rollbackFromAlert(payload: unknown, environments: Record<string, string>): AlertRequest | null {
  const parsed = alertPayloadSchema.safeParse(payload);
  if (!parsed.success) throw new Error(`not an Alertmanager webhook payload: ${z.prettifyError(parsed.error)}`);
  const firing = parsed.data.alerts.filter((a) => a.status === 'firing');
  if (firing.length === 0) return null;
  const envOf = (labels: Record<string, string>) => {
    if (labels.environment) return labels.environment;
    const byNamespace = Object.entries(environments).find(([, ns]) => ns === labels.namespace);
    if (byNamespace) return byNamespace[0];
    throw new Error(
      `alert ${labels.alertname} has neither an environment label nor a namespace of a known environment (${Object.values(environments).join(', ')})`,
    );
  };
  const envs = [...new Set(firing.map((a) => envOf(a.labels)))];
  if (envs.length > 1) throw new Error(`the firing alerts name several environments (${envs.join(', ')}); send one payload per environment`);
  if (!(envs[0] in environments)) throw new Error(`alert names environment "${envs[0]}", not one of ${Object.keys(environments).join(', ')}`);
  const missing = firing.filter((a) => !a.labels.service);
  if (missing.length) throw new Error(`alert ${missing[0].labels.alertname} has no service label: cannot tell what to roll back`);
  const services = [...new Set(firing.map((a) => a.labels.service))].sort();
  const names = [...new Set(firing.map((a) => a.labels.alertname))].sort();
  const summary = firing.map((a) => a.annotations.summary).find(Boolean);
  const releases: Record<string, string> = {};
  for (const service of services) {
    const named = [
      ...new Set(
        firing
          .filter((a) => a.labels.service === service)
          .map((a) => a.labels.release)
          .filter(Boolean),
      ),
    ];
    if (named.length > 1) throw new Error(`the firing alerts of ${service} name several releases (${named.join(', ')}); send one payload per release`);
    // An alert without its release could be about any release, one already rolled back among them:
    // acting on it would walk back release after release (issue 34).
    const unnamed = firing.find((a) => a.labels.service === service && !a.labels.release);
    if (unnamed) {
      throw new Error(
        `alert ${unnamed.labels.alertname} of ${service} names no release (label "release"), so nothing was rolled back: it cannot tell whether the release it fired for is still live. ` +
          'The SLO rules keep the label (tools/prometheus/rules/slo.yml); a person rolls back by hand with deploy:rollback --services=' +
          service,
      );
    }
    releases[service] = named[0];
  }
  return { environment: envs[0], services, releases, reason: `alert ${names.join(', ')}${summary ? `: ${summary}` : ''}` };
}

/**
 * Pure: why an alert must not roll back now, or null. When the live release was itself restored by
 * a rollback less than `cooldownMs` ago, a new alert points at a cause outside the release (a node,
 * a slow dependency): rolling back again would walk R2 -> R1 -> R0 while the cause stays.
 */
export function alertCooldown(history: Release[], now: number, cooldownMs: number): string | null {
  const current = live(history);
  if (!current || current.kind !== 'rollback') return null;
  const age = now - Date.parse(current.time);
  if (!(age < cooldownMs)) return null;
  return (
    `its live release ${current.release ?? current.image} (rev ${current.revision}) was restored by a rollback ${Math.round(age / 60_000)} min ago (${current.reason ?? 'no reason recorded'}), ` +
    `within the alert cooldown of ${Math.round(cooldownMs / 60_000)} min: a cause outside the release is likely, so an alert does not walk further back; a person decides (deploy:rollback --services=...)`
  );
}
