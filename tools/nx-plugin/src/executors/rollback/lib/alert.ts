import { z } from 'zod';

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
  /** Service -> the release its firing alerts name (their `release` label), when they name one. */
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
    if (named.length === 1) releases[service] = named[0];
  }
  return { environment: envs[0], services, releases, reason: `alert ${names.join(', ')}${summary ? `: ${summary}` : ''}` };
}
