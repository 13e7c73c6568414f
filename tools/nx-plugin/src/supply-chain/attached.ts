import { fetchAttachment, referrers } from './oras';
import { PROVENANCE_ARTIFACT_TYPE, SBOM_ARTIFACT_TYPE } from './provenance';

export interface AttachedDocument {
  digest: string;
  /** The parsed document, or { unreadable } saying why it is not one. */
  document: unknown;
}

/** The provenance statements and SBOMs attached to `image` (repository@sha256:…), read back. */
export async function readAttached(image: string): Promise<{ provenance: AttachedDocument[]; sbom: AttachedDocument[] }> {
  const repository = image.slice(0, image.lastIndexOf('@'));
  const listed = await referrers(image);
  const read = async (artifactType: string): Promise<AttachedDocument[]> =>
    Promise.all(
      listed
        .filter((r) => r.artifactType === artifactType)
        .map(async ({ digest }) => {
          const text = await fetchAttachment(repository, digest);
          try {
            return { digest, document: JSON.parse(text) as unknown };
          } catch (error) {
            return { digest, document: { unreadable: (error as Error).message } };
          }
        }),
    );
  return { provenance: await read(PROVENANCE_ARTIFACT_TYPE), sbom: await read(SBOM_ARTIFACT_TYPE) };
}
