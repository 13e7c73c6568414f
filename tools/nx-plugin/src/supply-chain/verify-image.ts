import { readAttached } from './attached';
import { judgeAttestations } from './judge-attestations';

/**
 * Every reason `image` (repository@sha256:…) is not vouched for as a release of `revision` by the
 * provenance and SBOM attached to it in the registry; none when it is. A registry that cannot be
 * read is a reason too: nothing passes unread.
 */
export async function attestationProblems(image: string, revision: string): Promise<string[]> {
  try {
    const attached = await readAttached(image);
    return judgeAttestations(image, revision, {
      provenance: attached.provenance.map((a) => a.document),
      sbom: attached.sbom.map((a) => a.document),
    });
  } catch (error) {
    return [`its attachments could not be read: ${(error as Error).message}`];
  }
}
