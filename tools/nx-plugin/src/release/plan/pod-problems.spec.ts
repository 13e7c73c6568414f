import type * as k8s from '@kubernetes/client-node';
import { describePodProblems, podProblem } from './pod-problems';

const pod = (status: k8s.V1PodStatus, metadata: k8s.V1ObjectMeta = {}): k8s.V1Pod => ({ metadata: { name: 'p', ...metadata }, status });
const container = (state: k8s.V1ContainerState, extra: Partial<k8s.V1ContainerStatus> = {}): k8s.V1ContainerStatus => ({
  name: 'app',
  image: 'i',
  imageID: '',
  ready: false,
  restartCount: 0,
  state,
  ...extra,
});
const notReady = [{ type: 'Ready', status: 'False' }];

describe('podProblem', () => {
  it.each<[string, k8s.V1PodStatus, string | null]>([
    ['ready', { conditions: [{ type: 'Ready', status: 'True' }] }, null],
    [
      'crash-looping, with the last exit',
      {
        conditions: notReady,
        containerStatuses: [
          container(
            { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container' } },
            { restartCount: 3, lastState: { terminated: { exitCode: 1, reason: 'Error' } } },
          ),
        ],
      },
      'CrashLoopBackOff (last exit 1: Error, 3 restarts): back-off 10s restarting failed container',
    ],
    [
      'image not pullable',
      { conditions: notReady, containerStatuses: [container({ waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "x"' } })] },
      'ImagePullBackOff: Back-off pulling image "x"',
    ],
    [
      'missing Secret',
      {
        conditions: notReady,
        containerStatuses: [container({ waiting: { reason: 'CreateContainerConfigError', message: 'secret "cache-server-tokens" not found' } })],
      },
      'CreateContainerConfigError: secret "cache-server-tokens" not found',
    ],
    [
      'unschedulable',
      { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/4 nodes are available' }] },
      'Unschedulable: 0/4 nodes are available',
    ],
    [
      'running but its probe fails',
      { phase: 'Running', conditions: notReady, containerStatuses: [container({ running: {} }, { restartCount: 2 })] },
      'running, not ready (readiness probe failing; 2 restarts)',
    ],
    [
      'exited with an error',
      { phase: 'Running', conditions: notReady, containerStatuses: [container({ terminated: { exitCode: 137, reason: 'OOMKilled' } })] },
      'OOMKilled (exit 137)',
    ],
    [
      'still being created',
      { phase: 'Pending', conditions: notReady, containerStatuses: [container({ waiting: { reason: 'ContainerCreating' } })] },
      'Pending (containers being created)',
    ],
    ['failed pod', { phase: 'Failed', conditions: notReady }, 'Failed, not ready'],
  ])('%s', (_, status, expected) => {
    expect(podProblem(pod(status))).toBe(expected);
  });

  it('ignores a pod being deleted, and shortens a long message', () => {
    expect(podProblem(pod({ conditions: notReady }, { deletionTimestamp: new Date() }))).toBeNull();
    const long = podProblem(pod({ conditions: notReady, containerStatuses: [container({ waiting: { reason: 'ErrImagePull', message: 'x'.repeat(500) } })] }))!;
    expect(long.length).toBeLessThan(200);
    expect(long.endsWith('…')).toBe(true);
  });

  it('looks at init containers first', () => {
    const status: k8s.V1PodStatus = {
      conditions: notReady,
      initContainerStatuses: [container({ waiting: { reason: 'CrashLoopBackOff' } })],
      containerStatuses: [container({ waiting: { reason: 'PodInitializing' } })],
    };
    expect(podProblem(pod(status))).toBe('CrashLoopBackOff');
  });
});

describe('describePodProblems', () => {
  const crashing = pod({ conditions: notReady, containerStatuses: [container({ waiting: { reason: 'CrashLoopBackOff' } })] });
  const ready = pod({ conditions: [{ type: 'Ready', status: 'True' }] });
  it('counts each distinct trouble', () => {
    expect(describePodProblems([crashing, crashing, ready])).toBe('2/3 pods CrashLoopBackOff');
  });
  it('says when there are no pods, or all are ready', () => {
    expect(describePodProblems([])).toMatch(/^no pods were created/);
    expect(describePodProblems([ready])).toBe('all 1 pods ready');
  });
});
