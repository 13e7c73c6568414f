import { type IncidentRecord, parseIncident, readIncident } from './incident';
import type { ClusterReader } from './observed';

const record: IncidentRecord = {
  number: 7,
  url: 'https://github.com/acme/trading/issues/7',
  title: 'Incident: agents in staging, release r2 taken off traffic',
  release: 'r2',
  state: 'open',
  openedAt: '2026-12-05T10:00:00.000Z',
  updatedAt: '2026-12-05T10:00:00.000Z',
};

describe('the incident record', () => {
  it('is read from its ConfigMap; none is null, a malformed one an error', async () => {
    const reader = (data: Record<string, string> | null) =>
      ({ readConfigMap: async (name: string) => (name === 'agents-incident' && data ? { data } : null) }) as unknown as ClusterReader;
    expect(await readIncident(reader({ incident: JSON.stringify(record) }), 'agents')).toEqual(record);
    expect(await readIncident(reader(null), 'agents')).toBeNull();
    expect(parseIncident(undefined)).toBeNull();
    expect(() => parseIncident('{"number":7,"url":"u","state":"resolved"}')).toThrow('incident record is not one');
    expect(() => parseIncident('null')).toThrow('incident record is not one');
  });
});
