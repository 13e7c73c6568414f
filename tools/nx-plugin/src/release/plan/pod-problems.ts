import type * as k8s from '@kubernetes/client-node';

// Why a colour's pods are not ready, in the words kubectl shows (CrashLoopBackOff, ImagePullBackOff,
// CreateContainerConfigError, Unschedulable, a failing readiness probe), for the message of a
// deploy that timed out. Pure: the pods come from the caller.

const MESSAGE_LIMIT = 160;
const short = (text: string) => (text.length > MESSAGE_LIMIT ? `${text.slice(0, MESSAGE_LIMIT - 1)}…` : text);

/** One pod's trouble, or null when it is ready. */
export function podProblem(pod: k8s.V1Pod): string | null {
  if (pod.metadata?.deletionTimestamp) return null; // going away: not what holds the rollout up
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  if (ready) return null;
  const unscheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  if (unscheduled) return `${unscheduled.reason ?? 'Unschedulable'}${unscheduled.message ? `: ${short(unscheduled.message)}` : ''}`;
  for (const c of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
    const last = c.lastState?.terminated;
    const lastExit = last ? ` (last exit ${last.exitCode}${last.reason ? `: ${last.reason}` : ''}, ${c.restartCount} restarts)` : '';
    const waiting = c.state?.waiting;
    if (waiting?.reason && waiting.reason !== 'ContainerCreating' && waiting.reason !== 'PodInitializing') {
      return `${waiting.reason}${lastExit}${waiting.message ? `: ${short(waiting.message)}` : ''}`;
    }
    const terminated = c.state?.terminated;
    if (terminated && terminated.exitCode !== 0) return `${terminated.reason ?? 'Terminated'} (exit ${terminated.exitCode})`;
    if (c.state?.running && !c.ready) return `running, not ready (readiness probe failing${c.restartCount ? `; ${c.restartCount} restarts` : ''})`;
  }
  const phase = pod.status?.phase ?? 'Pending';
  return phase === 'Pending' ? 'Pending (containers being created)' : `${phase}, not ready`;
}

/** Every distinct trouble among the pods, with how many pods show it: "2/2 pods CrashLoopBackOff (...)". */
export function describePodProblems(pods: k8s.V1Pod[]): string {
  if (pods.length === 0) return 'no pods were created (check the ReplicaSet events: quota, admission)';
  const counts = new Map<string, number>();
  for (const pod of pods) {
    const problem = podProblem(pod);
    if (problem) counts.set(problem, (counts.get(problem) ?? 0) + 1);
  }
  if (counts.size === 0) return `all ${pods.length} pods ready`;
  return [...counts].map(([problem, n]) => `${n}/${pods.length} pods ${problem}`).join('; ');
}
