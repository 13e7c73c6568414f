import type * as k8s from '@kubernetes/client-node';
import { type Color, deploymentName } from '../../config/manifests';
import { RELEASE_LABEL } from '../../status/release-state';
import type { releaseReaderManifests } from '../../config/release-reader';
import { type ClusterClient, KubeError } from './client';

// Changing what is there. Deployments go in by server-side apply (field manager nx-gke-deploy):
// fields other managers own (an annotation a tool added, labels) survive, and fields we stopped
// setting are removed. Scaling is a merge patch of one field. Services move only by a replace
// guarded by the resourceVersion just read, so a concurrent switch fails instead of being lost.

export const FIELD_MANAGER = 'nx-gke-deploy';

export async function ensureNamespace(c: ClusterClient): Promise<void> {
  const { namespace } = c.target;
  const existing = await c.readOrNull('read the namespace', () => c.core.readNamespace({ name: namespace }));
  if (!existing) await c.call('create the namespace', () => c.core.createNamespace({ body: { metadata: { name: namespace } } }));
}

export async function applyDeployment(c: ClusterClient, body: k8s.V1Deployment): Promise<void> {
  const name = body.metadata!.name!;
  await c.call(`apply Deployment ${name}`, () =>
    c.apps.patchNamespacedDeployment(
      { name, namespace: c.target.namespace, body, fieldManager: FIELD_MANAGER, force: true },
      c.k8s.setHeaderOptions('Content-Type', c.k8s.PatchStrategy.ServerSideApply),
    ),
  );
}

export async function scale(c: ClusterClient, service: string, color: Color, replicas: number): Promise<void> {
  const name = deploymentName(service, color);
  await c.call(`scale Deployment ${name}`, () =>
    c.apps.patchNamespacedDeployment(
      { name, namespace: c.target.namespace, body: { spec: { replicas } } },
      c.k8s.setHeaderOptions('Content-Type', c.k8s.PatchStrategy.MergePatch),
    ),
  );
}

/**
 * Points a Service at the colour and release its manifest selects, merging `annotations` (the
 * persisted phase, the switch time) in the same replace: created if missing, otherwise replaced
 * under the resourceVersion just read, so a concurrent change fails instead of being overwritten.
 */
export async function pointService(c: ClusterClient, body: k8s.V1Service, annotations: Record<string, string> = {}): Promise<void> {
  const { namespace } = c.target;
  const name = body.metadata!.name!;
  const existing = await c.readOrNull(`read Service ${name}`, () => c.core.readNamespacedService({ name, namespace }));
  if (!existing) {
    body.metadata!.annotations = { ...body.metadata!.annotations, ...annotations };
    await c.call(`create Service ${name}`, () => c.core.createNamespacedService({ namespace, body }));
    return;
  }
  existing.spec!.selector = body.spec!.selector;
  existing.metadata!.annotations = { ...existing.metadata!.annotations, ...annotations };
  await c.call(`switch Service ${name}`, () => c.core.replaceNamespacedService({ name, namespace, body: existing }));
}

/**
 * Records a phase on the active Service, only while it still selects `release` (a rollback or
 * another deploy that moved it meanwhile wins); a conflict with a write that left the selector
 * alone is retried.
 */
export async function recordPhase(c: ClusterClient, service: string, release: string, annotations: Record<string, string>): Promise<void> {
  const { namespace } = c.target;
  await c.retryOnConflict(`record the phase on Service ${service}`, async () => {
    const existing = await c.call(`read Service ${service}`, () => c.core.readNamespacedService({ name: service, namespace }));
    const selected = existing.spec?.selector?.[RELEASE_LABEL] ?? '';
    if (selected !== release)
      throw new KubeError(`the active Service ${service} selects release ${selected || '(none)'} now, not ${release}: someone else moved it; nothing recorded`);
    existing.metadata!.annotations = { ...existing.metadata!.annotations, ...annotations };
    await c.core.replaceNamespacedService({ name: service, namespace, body: existing });
  });
}

export async function deleteDeployment(c: ClusterClient, name: string): Promise<void> {
  await c.readOrNull(`delete Deployment ${name}`, () => c.apps.deleteNamespacedDeployment({ name, namespace: c.target.namespace }));
}

/** A service's read-only identity (config/release-reader.ts), applied server-side: rerun, it changes nothing. */
export async function applyReleaseReader(c: ClusterClient, objects: ReturnType<typeof releaseReaderManifests>): Promise<void> {
  const { namespace } = c.target;
  const ssa = c.k8s.setHeaderOptions('Content-Type', c.k8s.PatchStrategy.ServerSideApply);
  const { serviceAccount, role, roleBinding } = objects;
  if (!c.rbac) throw new Error('no RBAC API on this client: a release reader needs Roles');
  const rbac = c.rbac;
  await c.call(`apply ServiceAccount ${serviceAccount.metadata!.name}`, () =>
    c.core.patchNamespacedServiceAccount(
      { name: serviceAccount.metadata!.name!, namespace, body: serviceAccount, fieldManager: FIELD_MANAGER, force: true },
      ssa,
    ),
  );
  await c.call(`apply Role ${role.metadata!.name}`, () =>
    rbac.patchNamespacedRole({ name: role.metadata!.name!, namespace, body: role, fieldManager: FIELD_MANAGER, force: true }, ssa),
  );
  await c.call(`apply RoleBinding ${roleBinding.metadata!.name}`, () =>
    rbac.patchNamespacedRoleBinding({ name: roleBinding.metadata!.name!, namespace, body: roleBinding, fieldManager: FIELD_MANAGER, force: true }, ssa),
  );
}
