import type { ServiceStatus } from '@trading/release-model';
import { promotionFrom, type SourceService } from './promotion-source';

const digest = (c: string) => `reg/trading/svc@sha256:${c.repeat(64)}`;
const sha = 'a'.repeat(40);

/** A service as staging has it: live on `image`, in `phase` for `reason`, recorded as live in its history. */
function source(service: string, over: Partial<ServiceStatus> = {}, live: SourceService['live'] | null = undefined): SourceService {
  const image = over.live === undefined ? digest('1') : (over.live?.image ?? '');
  const status = {
    service,
    live: { color: 'green', release: 'r1', image },
    phase: 'Promoted',
    phaseSince: '2026-12-06T09:00:00.000Z',
    phaseReason: 'soak passed',
    readyEndpoints: 2,
    preview: null,
    colors: {},
    canary: null,
    aborted: null,
    history: { live: null, lastGood: null },
    orphanedSince: null,
    delivery: {} as ServiceStatus['delivery'],
    warnings: [],
    ...over,
  } as ServiceStatus;
  return { service, status, ...(live === null ? {} : { live: live ?? { image, gitSha: sha, commitTime: '2026-12-06T08:00:00Z' } }) };
}

describe('promotionFrom (build once, promote by digest)', () => {
  it("promotes each service's live, judged release by its digest, with the commit staging recorded", () => {
    const plan = promotionFrom('staging', [source('agents'), source('execution-engine', { phaseReason: 'promoted by alice: checked by hand' })]);
    expect(plan.refused).toEqual([]);
    expect(plan.promote).toEqual([
      { service: 'agents', image: digest('1'), gitSha: sha, commitTime: '2026-12-06T08:00:00Z', judged: 'soak passed' },
      { service: 'execution-engine', image: digest('1'), gitSha: sha, commitTime: '2026-12-06T08:00:00Z', judged: 'promoted by alice: checked by hand' },
    ]);
  });

  it('refuses, promoting nothing, when any service is undeployed, unjudged, unanalysed, taken off, not by digest, or its records disagree', () => {
    const plan = promotionFrom('staging', [
      source('fine'),
      source('never', { live: null, phase: null }),
      source('soaking', { phase: 'Soaking', phaseReason: '' }),
      source('halted', { phase: 'Halted', phaseReason: 'Prometheus unreachable' }),
      source('skipped', { phaseReason: 'not analysed: no soak configured or --skipAnalysis' }),
      source('rolled', { phase: 'RolledBack', phaseReason: 'by hand' }),
      source('tagged', { live: { color: 'blue', release: 'r', image: 'reg/trading/svc:latest' } }),
      source('unrecorded', {}, null),
      source('other', {}, { image: digest('2'), gitSha: sha }),
      source('warned', { warnings: ['the history says blue is live, the Service selects green'] }),
    ]);
    expect(plan.promote).toEqual([]);
    expect(plan.refused).toEqual([
      'never: never deployed in staging',
      'soaking: its live release in staging is Soaking, not promoted after its analysis',
      'halted: its live release in staging is Halted (Prometheus unreachable), not promoted after its analysis',
      'skipped: promoted in staging without analysis (not analysed: no soak configured or --skipAnalysis): nothing judged it there',
      'rolled: its live release in staging is RolledBack (by hand), not promoted after its analysis',
      'tagged: staging runs reg/trading/svc:latest, not an image by digest',
      `unrecorded: staging's release history does not record ${digest('1')} as live`,
      `other: staging's release history does not record ${digest('1')} as live (it records ${digest('2')})`,
      "warned: staging's records disagree: the history says blue is live, the Service selects green",
    ]);
  });
});
