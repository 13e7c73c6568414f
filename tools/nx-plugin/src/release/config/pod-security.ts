import type { V1PodSecurityContext, V1SecurityContext } from '@kubernetes/client-node';

// What every pod the release engine makes runs as (the services, their migrations, the database's
// recovery and the load Jobs): the restricted Pod Security Standard, a fixed non-root user, no
// privilege to gain, a read-only root filesystem. Fresh objects, so no manifest shares another's.

/** The pod's: non-root user and group 65532 (`fsGroup` too where it mounts a volume), RuntimeDefault seccomp. */
export const nonRootPod = (options: { fsGroup?: boolean } = {}): V1PodSecurityContext => ({
  runAsNonRoot: true,
  runAsUser: 65532,
  runAsGroup: 65532,
  ...(options.fsGroup ? { fsGroup: 65532 } : {}),
  seccompProfile: { type: 'RuntimeDefault' },
});

/** A container's: no privilege escalation, read-only root filesystem, every capability dropped. */
export const restrictedContainer = (): V1SecurityContext => ({
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
});
