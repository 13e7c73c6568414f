import type * as k8s from '@kubernetes/client-node';
import { type ClusterClient, KubeError } from './client';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Running one Kubernetes Job to its end, shared by the migration Jobs (migration-writes.ts) and the
 * database's backup and restore Jobs (database-recovery.ts): a completed Job of the same name is
 * reused (its name carries what it does, so a rerun does nothing twice), a failed one replaced, a
 * running one awaited.
 */
export interface JobRun {
  reused: boolean;
  output: string;
  seconds: number;
}

/** What a Job is, for its messages: "the migration Job x failed; <failure>. dbmate said: …". */
export interface JobWords {
  /** "migration", "backup", "restore". */
  kind: string;
  /** Who speaks in its log: "dbmate", "pg_basebackup". */
  speaker: string;
  /** The log lines' prefix ("migrations", "database"). */
  prefix: string;
}

/** The log of the Job's pod (its only container), or why there is none. */
export async function jobLog(c: ClusterClient, name: string): Promise<string> {
  const { namespace } = c.target;
  try {
    const pods = await c.core.listNamespacedPod({ namespace, labelSelector: `job-name=${name}` });
    const pod = pods.items[0];
    if (!pod?.metadata?.name) return '(no pod)';
    const container = pod.spec?.containers[0]?.name;
    return await c.core.readNamespacedPodLog({ name: pod.metadata.name, namespace, ...(container ? { container } : {}) });
  } catch (error) {
    return `(no log: ${(error as Error).message.split('\n')[0]})`;
  }
}

export const jobOutcome = (job: k8s.V1Job): 'succeeded' | 'failed' | null => {
  const conditions = job.status?.conditions ?? [];
  if ((job.status?.succeeded ?? 0) >= 1 || conditions.some((x) => x.type === 'Complete' && x.status === 'True')) return 'succeeded';
  if ((job.status?.failed ?? 0) >= 1 || conditions.some((x) => x.type === 'Failed' && x.status === 'True')) return 'failed';
  return null;
};

/** Thrown when a Job fails or times out: its message quotes the Job's last lines; `output` is its whole log. */
export class JobFailed extends KubeError {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message);
  }
}

/**
 * One Job to its end. A failure or a timeout throws a JobFailed with the Job's last lines, after
 * `failure` (what it means: "nothing was rolled, traffic is where it was").
 */
export async function runJob(
  c: ClusterClient,
  body: k8s.V1Job,
  timeoutSeconds: number,
  pollMs: number,
  failure: string,
  log: (m: string) => void,
  words: JobWords = { kind: 'migration', speaker: 'dbmate', prefix: 'migrations' },
): Promise<JobRun> {
  if (!c.batch) throw new KubeError(`this cluster client has no batch API: cannot run ${words.kind} Jobs`);
  const batch = c.batch;
  const { namespace } = c.target;
  const name = body.metadata!.name!;
  let job = await c.readOrNull(`read Job ${name}`, () => batch.readNamespacedJob({ name, namespace }));
  if (job && jobOutcome(job) === 'succeeded') return { reused: true, output: '', seconds: 0 };
  if (job && jobOutcome(job) === 'failed') {
    log(`${words.prefix}: Job ${name} failed before; replacing it`);
    await c.call(`delete Job ${name}`, () => batch.deleteNamespacedJob({ name, namespace, propagationPolicy: 'Foreground' }));
    while (await c.readOrNull(`read Job ${name}`, () => batch.readNamespacedJob({ name, namespace }))) await sleep(pollMs);
    job = null;
  }
  if (!job) await c.call(`create Job ${name}`, () => batch.createNamespacedJob({ namespace, body }));
  else log(`${words.prefix}: Job ${name} is already running (an earlier run); waiting for it`);
  const started = Date.now();
  for (;;) {
    const outcome = jobOutcome(await c.call(`read Job ${name}`, () => batch.readNamespacedJob({ name, namespace })));
    if (outcome === 'succeeded') return { reused: false, output: await jobLog(c, name), seconds: (Date.now() - started) / 1000 };
    if (outcome === 'failed' || Date.now() - started > (timeoutSeconds + 30) * 1000) {
      const output = await jobLog(c, name);
      const tail = output.trim().split('\n').slice(-15).join('\n');
      throw new JobFailed(
        `the ${words.kind} Job ${name} ${outcome === 'failed' ? 'failed' : `did not finish within ${timeoutSeconds} s`}; ${failure}. ${words.speaker} said:\n${tail}\n(kubectl -n ${namespace} logs job/${name})`,
        output,
      );
    }
    await sleep(pollMs);
  }
}
