import { attestationProblems } from '../../../supply-chain/verify-image';
import type { WantedRelease } from '../../plan/release-plan';
import { shortImage } from './short-image';

/**
 * An environment with requireAttestations (production) runs only images that carry, attached to
 * their digest in the registry, the SBOM and the build provenance docker-build -c push attached,
 * the provenance naming the release's own commit (issue 31). Checked for every release before
 * anything moves, dry runs included; one image without them and nothing is deployed.
 */
export async function requireAttestations(
  wanted: WantedRelease[],
  where: { environment: string; configDir: string },
  log: (message: string) => void,
  problemsOf: (image: string, revision: string) => Promise<string[]> = attestationProblems,
): Promise<void> {
  const refused: string[] = [];
  for (const w of wanted) {
    const problems = await problemsOf(w.image, w.gitSha);
    if (problems.length) refused.push(`${w.service.name} (${shortImage(w.image)}): ${problems.join('; ')}`);
    else log(`attested ${w.service.name}: ${shortImage(w.image)} carries its SBOM and the build provenance of commit ${w.gitSha.slice(0, 12)}`);
  }
  if (refused.length)
    throw new Error(
      `${where.environment} runs only attested images (requireAttestations in ${where.configDir}/environments.yaml); nothing was deployed:\n  ${refused.join('\n  ')}\n` +
        'Attach them by pushing the image with `nx run <project>:docker-build -c push`, deploy it to staging, and promote from there.',
    );
}
