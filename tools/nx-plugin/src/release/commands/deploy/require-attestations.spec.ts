import type { ServiceConfig } from '../../config/config';
import { requireAttestations } from './require-attestations';

const release = (name: string, n: number) => ({
  service: { name } as ServiceConfig,
  image: `reg/trading/${name}@sha256:${String(n).repeat(64)}`,
  gitSha: String(n).repeat(40),
});

describe('requireAttestations', () => {
  const where = { environment: 'production', configDir: 'tools/deploy' };

  it('checks every release against its own commit and logs each one attested', async () => {
    const asked: string[] = [];
    const lines: string[] = [];
    await requireAttestations(
      [release('agents', 1), release('dashboard', 2)],
      where,
      (m) => lines.push(m),
      async (image, revision) => {
        asked.push(`${image} ${revision.slice(0, 3)}`);
        return [];
      },
    );
    expect(asked).toEqual([`reg/trading/agents@sha256:${'1'.repeat(64)} 111`, `reg/trading/dashboard@sha256:${'2'.repeat(64)} 222`]);
    expect(lines[0]).toBe('attested agents: reg/trading/agents@sha256:111111111111… carries its SBOM and the build provenance of commit 111111111111');
  });

  it('refuses the whole deploy when one image is not attested, naming each reason and the setting', async () => {
    const problems = (image: string) =>
      image.includes('dashboard') ? ['no build provenance is attached to its digest', 'no SBOM is attached to its digest'] : [];
    await expect(
      requireAttestations(
        [release('agents', 1), release('dashboard', 2)],
        where,
        () => undefined,
        async (i) => problems(i),
      ),
    ).rejects.toThrow(
      /production runs only attested images \(requireAttestations in tools\/deploy\/environments\.yaml\); nothing was deployed:\n {2}dashboard \(reg\/trading\/dashboard@sha256:222222222222…\): no build provenance is attached to its digest; no SBOM is attached to its digest\n/,
    );
  });
});
