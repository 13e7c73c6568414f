import { judgeAttestations, provenanceProblem, sbomProblem } from './judge-attestations';
import { builderId, invocationId, provenanceStatement } from './provenance';

const HEX = 'a'.repeat(64);
const IMAGE = `127.0.0.1:5000/trading/agents@sha256:${HEX}`;
const SHA = '1'.repeat(40);
const REVISION = '2'.repeat(40);

const statement = (over: Partial<Parameters<typeof provenanceStatement>[0]> = {}) =>
  provenanceStatement({
    repository: '127.0.0.1:5000/trading/agents',
    digest: `sha256:${HEX}`,
    project: 'agents',
    dockerfile: 'apps/agents/Dockerfile',
    context: '.',
    sha: SHA,
    revision: REVISION,
    sourceUri: 'https://github.com/o/r',
    builderId: 'local://root@host',
    startedOn: '2026-12-06T00:00:00.000Z',
    finishedOn: '2026-12-06T00:01:00.000Z',
    ...over,
  });

/** An SBOM the way syft writes one for an image: the document describes the image's root package. */
const sbom = (hex = HEX, packages = 3) => ({
  spdxVersion: 'SPDX-2.3',
  packages: [
    { SPDXID: 'SPDXRef-DocumentRoot-Image-x', checksums: [{ algorithm: 'SHA256', checksumValue: hex }] },
    ...Array.from({ length: packages - 1 }, (_, i) => ({ SPDXID: `SPDXRef-Package-${i}` })),
  ],
  relationships: [{ spdxElementId: 'SPDXRef-DOCUMENT', relatedSpdxElement: 'SPDXRef-DocumentRoot-Image-x', relationshipType: 'DESCRIBES' }],
});

describe('provenanceStatement', () => {
  it('is an in-toto statement about the image digest with the SLSA v1 predicate of our build', () => {
    const s = statement({ baseImage: 'reg/trading-base/python:3.11', invocationId: 'https://github.com/o/r/actions/runs/7/attempts/1' });
    expect(s.subject).toEqual([{ name: '127.0.0.1:5000/trading/agents', digest: { sha256: HEX } }]);
    expect(s.predicate.buildDefinition.externalParameters).toMatchObject({
      project: 'agents',
      revision: REVISION,
      source: { uri: 'git+https://github.com/o/r', digest: { gitCommit: SHA } },
    });
    expect(s.predicate.buildDefinition.resolvedDependencies).toHaveLength(2);
    expect(s.predicate.runDetails.metadata.invocationId).toContain('/actions/runs/7');
    expect(() => statement({ digest: 'sha256:short' })).toThrow(/not a sha256 image digest/);
  });

  it('names the builder: the workflow at its ref on GitHub, the user and host here; the run when there is one', () => {
    expect(builderId({ GITHUB_SERVER_URL: 'https://github.com', GITHUB_WORKFLOW_REF: 'o/r/.github/workflows/ci.yml@refs/heads/main' }, 'h')).toBe(
      'https://github.com/o/r/.github/workflows/ci.yml@refs/heads/main',
    );
    expect(builderId({ USER: 'dev' }, 'box')).toBe('local://dev@box');
    expect(invocationId({})).toBeUndefined();
    expect(invocationId({ GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'o/r', GITHUB_RUN_ID: '9', GITHUB_RUN_ATTEMPT: '2' })).toBe(
      'https://github.com/o/r/actions/runs/9/attempts/2',
    );
  });
});

describe('judgeAttestations', () => {
  it('passes an image with a provenance of its revision and an SBOM of its digest', () => {
    expect(judgeAttestations(IMAGE, REVISION, { provenance: [statement()], sbom: [sbom()] })).toEqual([]);
  });

  it('refuses an image with nothing attached, naming both', () => {
    expect(judgeAttestations(IMAGE, REVISION, { provenance: [], sbom: [] })).toEqual([
      'no build provenance is attached to its digest',
      'no SBOM is attached to its digest',
    ]);
  });

  it('refuses a provenance of another commit, another image, another build or kind of document', () => {
    expect(provenanceProblem(statement(), HEX, SHA)).toMatch(/built from commit 222222222222, the release names 111111111111/);
    expect(provenanceProblem(statement({ digest: `sha256:${'b'.repeat(64)}` }), HEX, REVISION)).toMatch(/subject is not this image/);
    const foreign = statement();
    foreign.predicate.buildDefinition.buildType = 'https://example.com/other';
    expect(provenanceProblem(foreign, HEX, REVISION)).toMatch(/not the workspace's image build/);
    expect(provenanceProblem({ ...statement(), predicateType: 'https://spdx.dev/Document' }, HEX, REVISION)).toMatch(/not SLSA provenance v1/);
    expect(provenanceProblem({ hello: 1 }, HEX, REVISION)).toMatch(/not an in-toto statement/);
    expect(provenanceProblem({ unreadable: 'Unexpected token' }, HEX, REVISION)).toBe('unreadable (Unexpected token)');
  });

  it('refuses an SBOM of another image, one that is not SPDX 2, or one listing nothing', () => {
    expect(sbomProblem(sbom('b'.repeat(64)), HEX)).toMatch(/does not describe this image/);
    expect(sbomProblem({ bomFormat: 'CycloneDX' }, HEX)).toBe('not an SPDX 2 document');
    expect(sbomProblem(sbom(HEX, 1), HEX)).toBe('it lists no packages of the image');
  });

  it('passes when one of several attached documents vouches, and names each one otherwise', () => {
    expect(judgeAttestations(IMAGE, REVISION, { provenance: [statement({ revision: SHA }), statement()], sbom: [{ unreadable: 'x' }, sbom()] })).toEqual([]);
    expect(judgeAttestations(IMAGE, REVISION, { provenance: [statement({ revision: SHA }), { unreadable: 'bad JSON' }], sbom: [sbom()] })).toEqual([
      'build provenance 1 of 2: it was built from commit 111111111111, the release names 222222222222',
      'build provenance 2 of 2: unreadable (bad JSON)',
    ]);
    expect(() => judgeAttestations('127.0.0.1:5000/trading/agents:latest', REVISION, { provenance: [], sbom: [] })).toThrow(/not an image reference by digest/);
  });
});
