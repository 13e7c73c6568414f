/**
 * The load generator as a Kubernetes Job (pure): one Job per endpoint, running the load image (oha,
 * tools/load/Dockerfile) with the same arguments as a local run, inside the namespace it judges, so
 * the Service is reached by its cluster DNS name and no runner needs the cluster's network.
 */
import type { V1Job } from '@kubernetes/client-node';
import { nonRootPod, restrictedContainer } from '../../../release/config/pod-security';

export interface LoadJobSpec {
  project: string;
  /** The endpoint's place in the configuration (0-based). */
  index: number;
  /** Unique per run, so a rerun never reads an earlier run's Job. */
  runId: string;
  namespace: string;
  /** The load image, by digest. */
  image: string;
  /** oha's arguments (ohaArgs). */
  args: string[];
  durationSeconds: number;
}

/** Where the load image (tools/load/Dockerfile) has oha. */
export const OHA_IN_IMAGE = '/usr/local/bin/oha';

/** Seconds a load Job may take beyond its run: the image pull, the start, the last answers awaited. */
export const LOAD_JOB_SLACK_SECONDS = 120;

/** A DNS-1123 name of at most 63 characters: load-<project>-<endpoint>-<run>. */
export function loadJobName(project: string, index: number, runId: string): string {
  const tail = `-${index + 1}-${runId}`.toLowerCase().replace(/[^a-z0-9-]/g, '');
  const head = `load-${project}`
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, 63 - tail.length)
    .replace(/-+$/, '');
  return head + tail;
}

export function loadJobManifest(spec: LoadJobSpec): V1Job {
  const labels = {
    'app.kubernetes.io/name': 'load',
    'app.kubernetes.io/component': 'load-generator',
    'app.kubernetes.io/managed-by': 'trading-nx-plugin',
    'trading.dev/load-of': spec.project
      .toLowerCase()
      .replace(/[^a-z0-9.-]/g, '-')
      .slice(0, 63),
  };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: loadJobName(spec.project, spec.index, spec.runId), namespace: spec.namespace, labels },
    spec: {
      backoffLimit: 0, // a load run is judged once: a retry would measure a different run
      activeDeadlineSeconds: Math.ceil(spec.durationSeconds) + LOAD_JOB_SLACK_SECONDS,
      ttlSecondsAfterFinished: 600,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: nonRootPod(),
          containers: [
            {
              name: 'oha',
              image: spec.image,
              command: [OHA_IN_IMAGE],
              args: spec.args,
              resources: { requests: { cpu: '250m', memory: '64Mi' }, limits: { memory: '512Mi' } },
              securityContext: restrictedContainer(),
            },
          ],
        },
      },
    },
  };
}

/** oha's JSON report out of a pod log (the first `{` to the last `}`: the log may carry a line of the runtime's). */
export function reportOfLog(log: string): string {
  const start = log.indexOf('{');
  const end = log.lastIndexOf('}');
  return start >= 0 && end > start ? log.slice(start, end + 1) : log;
}
