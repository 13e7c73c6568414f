// Build provenance for each pushed image (issue 31): an in-toto Statement v1 whose predicate is
// SLSA Provenance v1 (https://slsa.dev/spec/v1.0/provenance), subject the image's manifest digest.
// It is a document of its own attached to that digest in the registry (oras.ts), not BuildKit's
// in-index provenance, which carries the build's times and would change every image's digest.
// Pure: the build's facts in, the statement out.

export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const SLSA_PROVENANCE = 'https://slsa.dev/provenance/v1';
/** What our docker-build executor's provenance says it is (buildDefinition.buildType). */
export const BUILD_TYPE = 'https://github.com/trading-platform/nx-plugin/docker-build/v1';
/** The artifact types the attachments carry in the registry (OCI 1.1 `artifactType`). */
export const PROVENANCE_ARTIFACT_TYPE = 'application/vnd.in-toto+json';
export const SBOM_ARTIFACT_TYPE = 'application/spdx+json';

export interface ProvenanceInput {
  /** Repository without tag or digest, e.g. 127.0.0.1:5000/trading/agents. */
  repository: string;
  /** The pushed manifest's digest, sha256:…. */
  digest: string;
  project: string;
  dockerfile: string;
  context: string;
  target?: string;
  /** The commit checked out for the build. */
  sha: string;
  /** The newest commit that changed the image's sources: the release's gitSha. */
  revision: string;
  /** Where the source can be fetched from (empty for a clone of a local folder). */
  sourceUri: string;
  /** The base image the Dockerfile's public base was built from, when one was. */
  baseImage?: string;
  /** Who built it: the workflow (GITHUB_WORKFLOW_REF on GitHub), or this machine. */
  builderId: string;
  /** The run (GitHub's run URL), when there is one. */
  invocationId?: string;
  startedOn: string;
  finishedOn: string;
}

export interface ResourceDescriptor {
  uri?: string;
  name?: string;
  digest: Record<string, string>;
}

export interface ProvenanceStatement {
  _type: typeof STATEMENT_TYPE;
  subject: ResourceDescriptor[];
  predicateType: typeof SLSA_PROVENANCE;
  predicate: {
    buildDefinition: {
      buildType: string;
      externalParameters: {
        project: string;
        dockerfile: string;
        context: string;
        target?: string;
        revision: string;
        source: ResourceDescriptor;
      };
      internalParameters?: Record<string, string>;
      resolvedDependencies: ResourceDescriptor[];
    };
    runDetails: {
      builder: { id: string };
      metadata: { invocationId?: string; startedOn: string; finishedOn: string };
    };
  };
}

const hex = (digest: string): string => {
  const m = /^sha256:([0-9a-f]{64})$/.exec(digest);
  if (!m) throw new Error(`"${digest}" is not a sha256 image digest`);
  return m[1];
};

export function provenanceStatement(input: ProvenanceInput): ProvenanceStatement {
  const source: ResourceDescriptor = { ...(input.sourceUri ? { uri: `git+${input.sourceUri}` } : {}), digest: { gitCommit: input.sha } };
  return {
    _type: STATEMENT_TYPE,
    subject: [{ name: input.repository, digest: { sha256: hex(input.digest) } }],
    predicateType: SLSA_PROVENANCE,
    predicate: {
      buildDefinition: {
        buildType: BUILD_TYPE,
        externalParameters: {
          project: input.project,
          dockerfile: input.dockerfile,
          context: input.context,
          ...(input.target ? { target: input.target } : {}),
          revision: input.revision,
          source,
        },
        resolvedDependencies: [source, ...(input.baseImage ? [{ uri: input.baseImage, digest: {} }] : [])],
      },
      runDetails: {
        builder: { id: input.builderId },
        metadata: { ...(input.invocationId ? { invocationId: input.invocationId } : {}), startedOn: input.startedOn, finishedOn: input.finishedOn },
      },
    },
  };
}

/** The builder's id: the workflow file at its ref on GitHub, else this machine's user and host. */
export function builderId(env: NodeJS.ProcessEnv, host: string): string {
  if (env.GITHUB_SERVER_URL && env.GITHUB_WORKFLOW_REF) return `${env.GITHUB_SERVER_URL}/${env.GITHUB_WORKFLOW_REF}`;
  return `local://${env.USER || 'unknown'}@${host}`;
}

/** The run that built it: GitHub's run URL, when there is one. */
export function invocationId(env: NodeJS.ProcessEnv): string | undefined {
  if (!env.GITHUB_SERVER_URL || !env.GITHUB_REPOSITORY || !env.GITHUB_RUN_ID) return undefined;
  return `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}/attempts/${env.GITHUB_RUN_ATTEMPT || '1'}`;
}
