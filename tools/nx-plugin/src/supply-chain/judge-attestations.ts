import { BUILD_TYPE, SLSA_PROVENANCE, STATEMENT_TYPE } from './provenance';

// Before production (issue 31): every image promoted must carry, attached to its own digest, a
// build provenance saying our image build made it from the release's commit, and an SBOM of that
// very image. Pure: the documents read back from the registry in, the problems out (none: judged).

export interface AttachedDocuments {
  /** Each provenance attached to the image's digest, parsed (or the reason it could not be). */
  provenance: Array<unknown | { unreadable: string }>;
  /** Each SBOM attached to the image's digest, parsed (or the reason it could not be). */
  sbom: Array<unknown | { unreadable: string }>;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const unreadable = (value: unknown): string | undefined => (isObject(value) && typeof value.unreadable === 'string' ? value.unreadable : undefined);

/** The image digest's hex from repository@sha256:…. */
export function digestHex(image: string): string {
  const m = /@sha256:([0-9a-f]{64})$/.exec(image);
  if (!m) throw new Error(`${image} is not an image reference by digest`);
  return m[1];
}

/** Why one provenance statement does not vouch for `hex` built from `revision`, or null. */
export function provenanceProblem(document: unknown, hex: string, revision: string): string | null {
  const why = unreadable(document);
  if (why) return `unreadable (${why})`;
  if (!isObject(document) || document._type !== STATEMENT_TYPE) return `not an in-toto statement (${STATEMENT_TYPE})`;
  if (document.predicateType !== SLSA_PROVENANCE) return `predicate ${String(document.predicateType)}, not SLSA provenance v1`;
  const subjects = Array.isArray(document.subject) ? document.subject : [];
  if (!subjects.some((s) => isObject(s) && isObject(s.digest) && s.digest.sha256 === hex)) return `its subject is not this image (sha256:${hex.slice(0, 12)}…)`;
  const definition = isObject(document.predicate) && isObject(document.predicate.buildDefinition) ? document.predicate.buildDefinition : {};
  if (definition.buildType !== BUILD_TYPE)
    return `built by ${String(definition.buildType ?? 'an unknown build')}, not the workspace's image build (${BUILD_TYPE})`;
  const built = isObject(definition.externalParameters) ? definition.externalParameters.revision : undefined;
  if (built !== revision) return `it was built from commit ${String(built ?? '(none)').slice(0, 12)}, the release names ${revision.slice(0, 12)}`;
  return null;
}

/** Why one SBOM does not describe the image `hex`, or null: an SPDX 2 document whose described
 * package is the image (syft's image root carries its manifest digest) and lists its contents. */
export function sbomProblem(document: unknown, hex: string): string | null {
  const why = unreadable(document);
  if (why) return `unreadable (${why})`;
  if (!isObject(document) || typeof document.spdxVersion !== 'string' || !document.spdxVersion.startsWith('SPDX-2.')) return 'not an SPDX 2 document';
  const packages = Array.isArray(document.packages) ? document.packages.filter(isObject) : [];
  const relationships = Array.isArray(document.relationships) ? document.relationships.filter(isObject) : [];
  const described = relationships.filter((r) => r.spdxElementId === 'SPDXRef-DOCUMENT' && r.relationshipType === 'DESCRIBES').map((r) => r.relatedSpdxElement);
  const root = packages.find((p) => described.includes(p.SPDXID));
  const checksums = root && Array.isArray(root.checksums) ? root.checksums.filter(isObject) : [];
  if (!checksums.some((c) => c.algorithm === 'SHA256' && c.checksumValue === hex)) return `it does not describe this image (sha256:${hex.slice(0, 12)}…)`;
  if (packages.length < 2) return 'it lists no packages of the image';
  return null;
}

/**
 * Every problem with `image` (repository@sha256:…) as a release of `revision`: none when at least
 * one attached provenance and one attached SBOM vouch for it. Several may be attached (a rebuild of
 * the same digest): one good one of each is enough; otherwise each one's reason is named.
 */
export function judgeAttestations(image: string, revision: string, attached: AttachedDocuments): string[] {
  const hex = digestHex(image);
  const problems: string[] = [];
  const provenance = attached.provenance.map((d) => provenanceProblem(d, hex, revision));
  if (provenance.length === 0) problems.push('no build provenance is attached to its digest');
  else if (!provenance.includes(null)) problems.push(...provenance.map((p, i) => `build provenance ${i + 1} of ${provenance.length}: ${p}`));
  const sbom = attached.sbom.map((d) => sbomProblem(d, hex));
  if (sbom.length === 0) problems.push('no SBOM is attached to its digest');
  else if (!sbom.includes(null)) problems.push(...sbom.map((p, i) => `SBOM ${i + 1} of ${sbom.length}: ${p}`));
  return problems;
}
