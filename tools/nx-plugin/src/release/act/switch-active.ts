import type { ServiceConfig } from '../config/config';
import { KubeError, LeaseLost, type Kube } from './kube';
import { statusOf } from './cluster/client';
import { type Color, serviceManifest } from '../config/manifests';

// The one way traffic moves (issue 34): every writer of a Service selector (deploy, rollback,
// abort, the soak's switch-back) goes through here. A switch that meets a transient API error is
// retried, re-reading the Service each time (the replace is guarded by the resourceVersion just
// read, so a retry after a lost response rewrites the same selector); it stops at a conflict with
// another writer, a refusal (4xx) or a lost lease, which the caller must look at afresh.

/** 5xx, 429 and an unreachable API server pass; anything else is an answer to act on. */
export function isTransient(error: unknown): boolean {
  if (error instanceof LeaseLost) return false;
  const code = statusOf(error);
  if (code !== undefined) return code >= 500 || code === 429;
  return error instanceof KubeError && /cannot reach the Kubernetes API/.test(error.message);
}

export interface SwitchOptions {
  attempts?: number;
  /** First wait between attempts; doubled each time, at most 2 s. */
  backoffMs?: number;
  log?: (message: string) => void;
}

const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function retried(what: string, write: () => Promise<void>, { attempts = 6, backoffMs = 250, log }: SwitchOptions): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      return await write();
    } catch (error) {
      if (!isTransient(error) || i >= attempts) throw error;
      const wait = Math.min(backoffMs * 2 ** (i - 1), 2000);
      log?.(`${what}: attempt ${i} of ${attempts} failed (${(error as Error).message.split('\n')[0]}); retrying in ${wait} ms`);
      await pause(wait);
    }
  }
}

/**
 * Points the active Service at `color` and `release`, with `annotations` (the phase, the switch
 * time, the release taken off) in the same guarded replace: traffic and the recorded status move
 * together or not at all.
 */
export function switchActive(
  kube: Kube,
  service: ServiceConfig,
  environment: string,
  target: { color: Color; release: string },
  annotations: Record<string, string>,
  options: SwitchOptions = {},
): Promise<void> {
  const body = serviceManifest(service, environment, kube.target.namespace, target.color, false, target.release);
  return retried(`switch ${service.name} to ${target.color} (${target.release})`, () => kube.pointService(body, annotations), options);
}

/** Points the preview Service (no traffic; the health gate's view of the new colour). */
export function pointPreview(
  kube: Kube,
  service: ServiceConfig,
  environment: string,
  target: { color: Color; release: string },
  options: SwitchOptions = {},
): Promise<void> {
  const body = serviceManifest(service, environment, kube.target.namespace, target.color, true, target.release);
  return retried(`point the preview of ${service.name} at ${target.color}`, () => kube.pointService(body), options);
}
