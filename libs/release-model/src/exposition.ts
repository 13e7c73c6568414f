import type { DeliveryMetrics } from './delivery';
import type { ServiceStatus } from './status';

// The release status and the delivery metrics in Prometheus' text exposition format (0.0.4), for
// `deploy:status --metricsFile`: written where node_exporter's textfile collector (or any file
// exporter) reads it, so Prometheus keeps their history and alerts and dashboards can use them.
// A metric with no value (no deployment in the window, no failure restored) has no sample: an
// absent series, never a 0 that would read as "instant" or "never fails".

interface Family {
  name: string;
  help: string;
  type: 'gauge';
  samples: { labels: Record<string, string>; value: number }[];
}

/** A label value as the format wants it: backslash, double quote and newline escaped. */
const escapeLabel = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

const labelText = (labels: Record<string, string>) =>
  `{${Object.entries(labels)
    .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
    .join(',')}}`;

const WINDOWS: [keyof ServiceStatus['delivery'], string][] = [
  ['days7', '7d'],
  ['days30', '30d'],
];

const DELIVERY: [string, string, (m: DeliveryMetrics) => number | null][] = [
  ['trading_delivery_deployments', 'Deployments that went live in the window (DORA: deployment frequency).', (m) => m.deployments],
  ['trading_delivery_lead_time_seconds', "Median time from a deployment's commit to it going live (DORA: lead time for changes).", (m) => m.leadTimeSeconds],
  [
    'trading_delivery_change_failure_ratio',
    'Share of the deployments taken back by a switch-back or a rollback (DORA: change failure rate).',
    (m) => m.changeFailureRate,
  ],
  [
    'trading_delivery_time_to_restore_seconds',
    'Median time from a failed deployment going live to its rollback (DORA: time to restore).',
    (m) => m.timeToRestoreSeconds,
  ],
];

/** Pure: the exposition of one environment's statuses, one family per metric, HELP and TYPE first. */
export function statusExposition(environment: string, statuses: ServiceStatus[]): string {
  const families: Family[] = [
    {
      name: 'trading_release_live_info',
      help: 'The release the active Service selects: 1 per service, its colour, release, image and schema version as labels.',
      type: 'gauge',
      samples: statuses.flatMap((s) =>
        s.live
          ? [
              {
                labels: {
                  environment,
                  service: s.service,
                  color: s.live.color,
                  release: s.live.release,
                  image: s.live.image,
                  ...(s.history.live?.schemaVersion ? { schema_version: s.history.live.schemaVersion } : {}),
                },
                value: 1,
              },
            ]
          : [],
      ),
    },
    {
      name: 'trading_release_ready_pods',
      help: "Ready pods of the live colour's own Deployment running the live release.",
      type: 'gauge',
      samples: statuses.map((s) => ({ labels: { environment, service: s.service }, value: s.readyEndpoints })),
    },
    {
      name: 'trading_release_phase_info',
      help: 'The phase the deploy engine persisted for the service: 1, the phase as a label.',
      type: 'gauge',
      samples: statuses.flatMap((s) => (s.phase ? [{ labels: { environment, service: s.service, phase: s.phase }, value: 1 }] : [])),
    },
    {
      name: 'trading_release_warnings',
      help: 'Disagreements an operator must look at (deploy:status lists them).',
      type: 'gauge',
      samples: statuses.map((s) => ({ labels: { environment, service: s.service }, value: s.warnings.length })),
    },
    ...DELIVERY.map(([name, help, value]) => ({
      name,
      help,
      type: 'gauge' as const,
      samples: statuses.flatMap((s) =>
        WINDOWS.flatMap(([key, window]) => {
          const v = value(s.delivery[key]);
          return v === null ? [] : [{ labels: { environment, service: s.service, window }, value: v }];
        }),
      ),
    })),
  ];
  return (
    families
      .map((f) =>
        [`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`, ...f.samples.map((x) => `${f.name}${labelText(x.labels)} ${x.value}`)].join('\n'),
      )
      .join('\n') + '\n'
  );
}
