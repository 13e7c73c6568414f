import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerEngine } from './engine';
import { runBuild, type BuildContext } from './run-build';

const SHA = 'c9aa19bb9760a28d2a8121d94c8d8dbd0c7b853c';
const DIGEST = `sha256:${'b'.repeat(64)}`;

/** The labels a build's --label flags give, as an engine would report them. */
const flagLabels = (args: string[] = []) => Object.fromEntries(args.flatMap((arg, i) => (args[i - 1] === '--label' ? [arg.split(/=(.*)/s).slice(0, 2)] : [])));

function fakeEngine(overrides: Partial<ContainerEngine> = {}): ContainerEngine & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    name: 'docker',
    calls,
    ping: async () => '20.10.24',
    pickBuilder: async () => 'classic',
    run: async (args, _env, onLine) => {
      calls.push(args);
      onLine('Step 1/1');
      return { code: 0, output: 'Successfully built' };
    },
    inspect: async () => ({ id: `sha256:${'c'.repeat(64)}`, size: 15_000_000, labels: flagLabels([...calls].reverse().find((c) => c[0] === 'build')) }),
    push: async (ref) => {
      calls.push(['push', ref]);
      return DIGEST;
    },
    ...overrides,
  };
}

function workspace() {
  const root = mkdtempSync(join(tmpdir(), 'docker-build-'));
  mkdirSync(join(root, 'apps/engine'), { recursive: true });
  writeFileSync(join(root, 'apps/engine/Dockerfile'), 'FROM scratch\n');
  return root;
}

const ctx = (
  root: string,
  engine: ContainerEngine,
  env: NodeJS.ProcessEnv = {},
  attest: BuildContext['attest'] = async () => {
    throw new Error('attest must not be called');
  },
): BuildContext & { lines: string[] } => {
  const lines: string[] = [];
  return {
    attest,
    workspaceRoot: root,
    projectName: 'engine',
    projectRoot: 'apps/engine',
    version: '0.1.0',
    source: { sha: SHA, revision: SHA, branch: 'main', source: 'file:///repo', created: '2026-11-26T00:00:00.000Z' },
    env,
    engine,
    lines,
    log: (m) => lines.push(m),
  };
};

describe('runBuild', () => {
  it('builds, pushes every tag and records the digest for deploys', async () => {
    const root = workspace();
    const engine = fakeEngine();
    const { record } = await runBuild({ push: true }, ctx(root, engine, { DOCKER_REGISTRY: '127.0.0.1:5000/trading' }));
    expect(record?.reference).toBe(`127.0.0.1:5000/trading/engine@${DIGEST}`);
    expect(engine.calls.filter((c) => c[0] === 'push').map((c) => c[1])).toEqual([
      `127.0.0.1:5000/trading/engine:${SHA}`,
      '127.0.0.1:5000/trading/engine:sha-c9aa19b',
      '127.0.0.1:5000/trading/engine:main',
      '127.0.0.1:5000/trading/engine:0.1.0',
    ]);
    const written = JSON.parse(readFileSync(join(root, 'dist/engine/image.json'), 'utf8'));
    expect(written).toMatchObject({ project: 'engine', digest: DIGEST, revision: SHA, sizeBytes: 15_000_000 });
  });

  it('attaches the SBOM and provenance to the pushed digest and records them, or writes no record when that fails', async () => {
    const root = workspace();
    const calls: Array<[string, Parameters<BuildContext['attest']>[1]]> = [];
    const attest: BuildContext['attest'] = async (reference, build) => {
      calls.push([reference, build]);
      return { sbom: `sha256:${'d'.repeat(64)}`, provenance: `sha256:${'e'.repeat(64)}` };
    };
    const env = {
      DOCKER_REGISTRY: '127.0.0.1:5000/trading',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_WORKFLOW_REF: 'o/r/.github/workflows/staging-deploy.yml@refs/heads/main',
    };
    const { record } = await runBuild({ push: true, attest: true, baseImage: 'base/python:3.11' }, ctx(root, fakeEngine(), env, attest));
    expect(calls).toHaveLength(1);
    expect(calls[0][0]).toBe(`127.0.0.1:5000/trading/engine@${DIGEST}`);
    expect(calls[0][1]).toMatchObject({
      project: 'engine',
      dockerfile: 'apps/engine/Dockerfile',
      sha: SHA,
      revision: SHA,
      baseImage: 'base/python:3.11',
      builderId: 'https://github.com/o/r/.github/workflows/staging-deploy.yml@refs/heads/main',
    });
    expect(record?.attestations).toEqual({ sbom: `sha256:${'d'.repeat(64)}`, provenance: `sha256:${'e'.repeat(64)}` });

    const failing: BuildContext['attest'] = async () => {
      throw new Error('oras attach failed (exit 1): connection refused');
    };
    await expect(runBuild({ push: true, attest: true }, ctx(root, fakeEngine(), env, failing))).rejects.toThrow(
      /was pushed but its SBOM and provenance could not be attached \(no image record written\): oras attach failed/,
    );
    expect(existsSync(join(root, 'dist/engine/image.json'))).toBe(false);
    await expect(runBuild({ attest: true }, ctx(root, fakeEngine(), env, attest))).rejects.toThrow(/attest needs push/);
  });

  it('prints the command and touches nothing on a dry run', async () => {
    const root = workspace();
    const engine = fakeEngine({
      ping: async () => {
        throw new Error('must not be called');
      },
    });
    const c = ctx(root, engine);
    const { command, record } = await runBuild({ dryRun: true, push: true, registry: 'reg' }, c);
    expect(record).toBeUndefined();
    expect(command).toContain('--tag reg/engine:sha-c9aa19b');
    expect(command).toContain('--label org.opencontainers.image.revision=' + SHA);
    expect(c.lines.at(-1)).toBe('dry run: docker push reg/engine:0.1.0');
    expect(existsSync(join(root, 'dist'))).toBe(false);
  });

  it('fails on a missing Dockerfile and on a push without a registry', async () => {
    const root = workspace();
    await expect(runBuild({ dockerfile: 'apps/none/Dockerfile' }, ctx(root, fakeEngine()))).rejects.toThrow(/no Dockerfile at apps\/none\/Dockerfile/);
    await expect(runBuild({ push: true }, ctx(root, fakeEngine()))).rejects.toThrow(/push needs a registry/);
  });

  it('removes a stale record and writes none when the build fails, showing the log tail', async () => {
    const root = workspace();
    mkdirSync(join(root, 'dist/engine'), { recursive: true });
    writeFileSync(join(root, 'dist/engine/image.json'), '{"stale":true}');
    const failing = fakeEngine({ run: async () => ({ code: 1, output: 'Step 1/2\nERROR: no such base image' }) });
    await expect(runBuild({}, ctx(root, failing))).rejects.toThrow(/exit 1[\s\S]*no such base image/);
    expect(existsSync(join(root, 'dist/engine/image.json'))).toBe(false);
  });

  it('writes no record when the daemon is down or the registry refuses', async () => {
    const root = workspace();
    const down = fakeEngine({
      ping: async () => {
        throw new Error('the docker daemon is not reachable');
      },
    });
    await expect(runBuild({}, ctx(root, down))).rejects.toThrow(/not reachable/);
    const refused = fakeEngine({
      push: async () => {
        throw new Error('the registry refused the push');
      },
    });
    await expect(runBuild({ push: true, registry: 'r' }, ctx(root, refused))).rejects.toThrow(/refused/);
    expect(existsSync(join(root, 'dist/engine/image.json'))).toBe(false);
  });

  it('leaves the labels a Dockerfile sets from its build arguments to it, and refuses an image whose labels are wrong', async () => {
    const root = workspace();
    writeFileSync(join(root, 'apps/engine/Dockerfile'), 'FROM scratch\nARG VERSION\nLABEL org.opencontainers.image.version="${VERSION}-dev"\n');
    const engine = fakeEngine();
    engine.inspect = async () => ({
      id: `sha256:${'c'.repeat(64)}`,
      size: 1,
      labels: { ...flagLabels(engine.calls.at(-1)), 'org.opencontainers.image.version': '0.1.0-dev' },
    });
    await expect(runBuild({}, ctx(root, engine))).rejects.toThrow(
      /carries the wrong metadata labels \(org\.opencontainers\.image\.version: "0\.1\.0-dev", expected "0\.1\.0"\): a LABEL in apps\/engine\/Dockerfile/,
    );
    expect(engine.calls[0]).toContain('VERSION=0.1.0');
    expect(Object.keys(flagLabels(engine.calls[0]))).not.toContain('org.opencontainers.image.version');
    expect(existsSync(join(root, 'dist/engine/image.json'))).toBe(false);
  });

  it('refuses tags of one image that push with different digests', async () => {
    let n = 0;
    const flaky = fakeEngine({ push: async () => `sha256:${String(n++ % 10).repeat(64)}` });
    await expect(runBuild({ push: true, registry: 'r' }, ctx(workspace(), flaky))).rejects.toThrow(/different digests/);
  });
});
