import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attestImage } from './attest-image';
import { referrers } from './oras';
import { attestationProblems } from './verify-image';

// Against the local registry (Debian's docker-registry 2.8: no referrers API, so oras's tag
// scheme) with the real syft and oras: an image of its own, pushed by digest, attested, verified,
// attested again without growing its list, and refused for another commit or unattested.
const registry = process.env.LOCAL_REGISTRY ?? '127.0.0.1:5000';
const REVISION = 'c9aa19bb9760a28d2a8121d94c8d8dbd0c7b853c';
const OTHER = 'd'.repeat(40);
const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

describe('image attestations in the registry', () => {
  let image: string;
  const dir = mkdtempSync(join(tmpdir(), 'attest-spec-'));
  beforeAll(() => {
    // A digest no other run has: the Debian runtime base plus a file of its own.
    writeFileSync(join(dir, 'nonce'), `${process.pid} ${Date.now()} ${Math.random()}\n`);
    writeFileSync(join(dir, 'Dockerfile'), `FROM ${registry}/trading-base/runtime:bookworm\nCOPY nonce /nonce\n`);
    const tag = `${registry}/trading/it-attest:${process.pid}-${Date.now()}`;
    docker('build', '-q', '-t', tag, dir);
    docker('push', '-q', tag);
    image = docker('image', 'inspect', '--format', '{{index .RepoDigests 0}}', tag);
    docker('image', 'rm', tag);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const build = {
    project: 'it-attest',
    dockerfile: 'Dockerfile',
    context: '.',
    sha: REVISION,
    revision: REVISION,
    sourceUri: '',
    builderId: 'local://spec@host',
    startedOn: '2026-12-06T00:00:00.000Z',
    finishedOn: '2026-12-06T00:00:01.000Z',
  };

  it('refuses the image before anything is attached, attaches both, then passes it for its commit only', async () => {
    expect(image).toMatch(/@sha256:[0-9a-f]{64}$/);
    expect(await attestationProblems(image, REVISION)).toEqual(['no build provenance is attached to its digest', 'no SBOM is attached to its digest']);

    const log: string[] = [];
    const first = await attestImage(image, build, (m) => log.push(m));
    expect(log.join('\n')).toMatch(/SBOM \(syft, SPDX 2.3\) attached[\s\S]*build provenance \(SLSA v1, commit c9aa19bb9760\) attached/);
    expect(await attestationProblems(image, REVISION)).toEqual([]);
    expect((await attestationProblems(image, OTHER)).join('\n')).toMatch(/built from commit c9aa19bb9760, the release names dddddddddddd/);

    // Built again (the same digest): the good attachments stay, nothing new is attached.
    const again: string[] = [];
    expect(await attestImage(image, build, (m) => again.push(m))).toEqual(first);
    expect(again.join('\n')).toMatch(/SBOM already attached[\s\S]*build provenance already attached/);
    expect((await referrers(image)).map((r) => r.digest).sort()).toEqual([first.provenance, first.sbom].sort());
  }, 120_000);

  it('names an unreachable registry as a reason, never a pass', async () => {
    const problems = await attestationProblems(`127.0.0.1:9/trading/none@sha256:${'a'.repeat(64)}`, REVISION);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/its attachments could not be read: oras discover .* failed/);
  });
});
