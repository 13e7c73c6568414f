import { createHash } from 'node:crypto';
import { stringify } from 'safe-stable-stringify';
import type { V1PodTemplateSpec } from '@kubernetes/client-node';

// The phase annotations, the release label and their parsing are the release model's
// (libs/release-model); the engine adds how a release is named: the hash of its pod template.
export {
  ABORTED_REASON,
  ABORTED_RELEASE,
  abortedAnnotations,
  NOT_ANALYSED,
  PHASE,
  PHASE_REASON,
  PHASE_SINCE,
  type Phase,
  parseState,
  RELEASE_LABEL,
  type ReleaseState,
  stateAnnotations,
  UNJUDGED,
} from '@trading/release-model';

/** The 12-hex-digit name of a pod template: stable key order, so equal templates hash equally. */
export function releaseOf(template: V1PodTemplateSpec['spec']): string {
  return createHash('sha256')
    .update(stringify(template ?? {}))
    .digest('hex')
    .slice(0, 12);
}
