import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAttached } from './attached';
import { digestHex, provenanceProblem, sbomProblem } from './judge-attestations';
import { attach } from './oras';
import { PROVENANCE_ARTIFACT_TYPE, provenanceStatement, SBOM_ARTIFACT_TYPE, type ProvenanceInput } from './provenance';
import { writeSbom } from './syft';

/** The attachments that vouch for one pushed image: what its image record keeps. */
export interface Attestations {
  provenance: string;
  sbom: string;
}

/**
 * Attach to the pushed image `reference` (repository@sha256:…) its build provenance and its SBOM,
 * unless good ones are attached already: a rebuild of unchanged sources pushes the same digest
 * (reproducible images), and attaching again at every build would only grow its list.
 */
export async function attestImage(
  reference: string,
  build: Omit<ProvenanceInput, 'repository' | 'digest'>,
  log: (message: string) => void,
): Promise<Attestations> {
  const hex = digestHex(reference);
  const at = reference.lastIndexOf('@');
  const attached = await readAttached(reference);
  const goodProvenance = attached.provenance.find((a) => provenanceProblem(a.document, hex, build.revision) === null)?.digest;
  const goodSbom = attached.sbom.find((a) => sbomProblem(a.document, hex) === null)?.digest;
  const dir = mkdtempSync(join(tmpdir(), 'attest-'));
  try {
    let sbom = goodSbom;
    if (sbom) log(`SBOM already attached: ${sbom.slice(0, 19)}`);
    else {
      const file = join(dir, 'sbom.spdx.json');
      await writeSbom(reference, file);
      sbom = await attach(reference, file, SBOM_ARTIFACT_TYPE);
      log(`SBOM (syft, SPDX 2.3) attached: ${sbom.slice(0, 19)}`);
    }
    let provenance = goodProvenance;
    if (provenance) log(`build provenance already attached: ${provenance.slice(0, 19)}`);
    else {
      const file = join(dir, 'provenance.intoto.json');
      const statement = provenanceStatement({ ...build, repository: reference.slice(0, at), digest: reference.slice(at + 1) });
      writeFileSync(file, `${JSON.stringify(statement, null, 2)}\n`);
      provenance = await attach(reference, file, PROVENANCE_ARTIFACT_TYPE);
      log(`build provenance (SLSA v1, commit ${build.revision.slice(0, 12)}) attached: ${provenance.slice(0, 19)}`);
    }
    return { provenance, sbom };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
