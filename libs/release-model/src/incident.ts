import type { ClusterReader } from './observed';
import { incidentName } from './names';

// The incident issue of a service's release taken off traffic, as scripts/incidents.mjs (its one
// writer) links it in the namespace after opening, commenting on or closing it on GitHub: the
// Deployments page shows the link beside the rollback's reason.

export interface IncidentRecord {
  number: number;
  url: string;
  title: string;
  /** The release taken off traffic that the issue is about. */
  release: string;
  state: 'open' | 'closed';
  /** ISO 8601: when it was opened, last commented on (a repeat), closed. */
  openedAt: string;
  updatedAt: string;
  /** The promoted release whose promotion closed it. */
  closedBy?: string;
}

/** The record from its ConfigMap's `incident` key; null when there is none, an error when it is not one. */
export function parseIncident(raw: string | undefined): IncidentRecord | null {
  if (!raw) return null;
  const record = JSON.parse(raw) as IncidentRecord;
  if (!record || !Number.isInteger(record.number) || typeof record.url !== 'string' || (record.state !== 'open' && record.state !== 'closed'))
    throw new Error('incident record is not one');
  return record;
}

export async function readIncident(r: ClusterReader, service: string): Promise<IncidentRecord | null> {
  return parseIncident((await r.readConfigMap(incidentName(service)))?.data?.incident);
}
