import { type Kube, type Lease, LeaseHeld } from '../act/kube';
import type { ServiceConfig } from '../config/config';

// Shared by the database commands (backup, restore) and the rollback's recovery: which services
// keep their state in the database, and their deploy leases, all or none.

/** The services that keep their state in the database: those given its Secret. */
export const databaseServices = (services: ServiceConfig[], secret: string): ServiceConfig[] =>
  services.filter((s) => Object.values(s.secretEnv).some((ref) => ref.secret === secret));

/**
 * The deploy leases of `services`, all or none: when one is held (a deploy, a rollback), the ones
 * taken are given back and the error says why nothing was done (`refused`, from the holder's message).
 */
export async function leasesOf(kube: Kube, services: string[], log: (m: string) => void, refused: (held: string) => string): Promise<Lease[]> {
  const leases: Lease[] = [];
  try {
    for (const service of services) leases.push(await kube.acquireLease(service, 30, undefined, log));
    return leases;
  } catch (error) {
    await releaseAll(leases);
    if (error instanceof LeaseHeld) throw new Error(refused(error.message));
    throw error;
  }
}

export const releaseAll = (leases: Lease[]) => Promise.all(leases.map((l) => l.release().catch(() => undefined)));
