import { addProjectConfiguration, readNxJson, readProjectConfiguration, type Tree, updateNxJson } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadAnalysis, loadEnvironment } from '../../release/config/config';
import serviceGenerator from '../service/generator';
import { parse } from 'yaml';
import initGenerator, { NAMED_INPUTS, PLUGIN, TOOL_VERSIONS, WORKFLOW_FILES } from './generator';

/** The tree's files under `dir`, written out for the deploy engine's own config loaders. */
function writeOut(tree: Tree, dir: string): string {
  const out = mkdtempSync(join(tmpdir(), 'init-'));
  for (const file of ['environments.yaml', 'analysis.yaml', 'services/README.md']) {
    mkdirSync(dirname(join(out, file)), { recursive: true });
    writeFileSync(join(out, file), tree.read(join(dir, file), 'utf-8')!);
  }
  return out;
}

describe('init generator', () => {
  it('registers the plugin and writes a deploy project whose config the deploy engine loads', async () => {
    const tree = createTreeWithEmptyWorkspace();
    await initGenerator(tree, { namespacePrefix: 'quotes' });
    expect(readNxJson(tree)?.plugins).toContain(PLUGIN);
    // The named inputs the generated projects use, as this workspace defines them (they cannot drift apart).
    const ours = JSON.parse(readFileSync(join(__dirname, '../../../../../nx.json'), 'utf8')).namedInputs;
    for (const [name, value] of Object.entries(NAMED_INPUTS)) expect([name, value]).toEqual([name, ours[name]]);
    const deploy = readProjectConfiguration(tree, 'deploy');
    expect(deploy.root).toBe('tools/deploy');
    expect(Object.keys(deploy.targets ?? {})).toEqual([
      'staging',
      'production',
      'rollback',
      'status',
      'reconcile',
      'abort',
      'promote',
      'backup-database',
      'restore-database',
    ]);
    expect(deploy.targets?.staging).toMatchObject({ executor: `${PLUGIN}:gke-deploy`, options: { environment: 'staging' } });
    expect(deploy.targets?.rollback?.configurations?.production).toEqual({ environment: 'production' });
    expect(deploy.targets?.staging?.options.configDir).toBeUndefined(); // the executors' default

    const dir = writeOut(tree, 'tools/deploy');
    try {
      const env = {
        STAGING_KUBE_CONTEXT: 'gke_acme_europe-west1_staging',
        PRODUCTION_KUBE_CONTEXT: 'gke_acme_europe-west1_prod',
        PROMETHEUS_URL: 'http://prometheus:9090',
      };
      const saved = { ...process.env };
      Object.assign(process.env, env);
      try {
        expect(loadEnvironment(dir, 'staging')).toMatchObject({
          namespace: 'quotes-staging',
          context: env.STAGING_KUBE_CONTEXT,
          analysis: { prometheus: env.PROMETHEUS_URL },
        });
        expect(loadEnvironment(dir, 'production')).toMatchObject({ namespace: 'quotes-production', requireAnalysis: true, canary: { replicas: 1 } });
        delete process.env.PRODUCTION_KUBE_CONTEXT;
        expect(() => loadEnvironment(dir, 'production')).toThrow('${PRODUCTION_KUBE_CONTEXT} is not set');
      } finally {
        process.env = saved;
      }
      // The SLO metrics are this repository's own (tools/deploy/analysis.yaml): the template cannot drift from them.
      expect(loadAnalysis(dir)).toEqual(loadAnalysis(join(__dirname, '../../../../deploy')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rerun, changes nothing that exists: the team's edited files, the plugin registered once", async () => {
    const tree = createTreeWithEmptyWorkspace();
    await initGenerator(tree, {});
    tree.write('tools/deploy/environments.yaml', 'staging: { namespace: edited }\n');
    tree.delete('tools/deploy/analysis.yaml');
    await initGenerator(tree, {});
    expect(tree.read('tools/deploy/environments.yaml', 'utf-8')).toBe('staging: { namespace: edited }\n');
    expect(tree.exists('tools/deploy/analysis.yaml')).toBe(true); // a file that is gone comes back
    expect(readNxJson(tree)?.plugins?.filter((p) => p === PLUGIN)).toHaveLength(1);
    updateNxJson(tree, { ...readNxJson(tree), namedInputs: { ...readNxJson(tree)?.namedInputs, pythonSources: ['{projectRoot}/**/*.py'] } });
    await initGenerator(tree, {});
    expect(readNxJson(tree)?.namedInputs?.pythonSources).toEqual(['{projectRoot}/**/*.py']); // the workspace's own definition kept
  });

  it('puts the deploy project where it is told, and the service generator writes its service file there', async () => {
    const tree = createTreeWithEmptyWorkspace();
    tree.write('.dockerignore', '**\n');
    await initGenerator(tree, { deployDir: 'ops/deploy' });
    expect(readProjectConfiguration(tree, 'deploy').targets?.status?.options).toEqual({ environment: 'staging', configDir: 'ops/deploy' });
    await serviceGenerator(tree, { name: 'quote-feed', language: 'python', skipInstall: true });
    expect(tree.exists('ops/deploy/services/quote-feed.yaml')).toBe(true);
    expect(readProjectConfiguration(tree, 'deploy').implicitDependencies).toEqual(['quote-feed']);
  });

  it('refuses a deploy project of the same name elsewhere, writing nothing', async () => {
    const tree = createTreeWithEmptyWorkspace();
    addProjectConfiguration(tree, 'deploy', { root: 'infra/deploy', targets: {} });
    await expect(initGenerator(tree, {})).rejects.toThrow('a project named "deploy" already exists at infra/deploy: pass --deployDir=infra/deploy');
    expect(tree.exists('tools/deploy/environments.yaml')).toBe(false);
  });

  it('writes the GitHub workflows: affected CI, then staging and production deploys (production behind its environment), and the PR template', async () => {
    const tree = createTreeWithEmptyWorkspace();
    tree.write('.nvmrc', 'v24.11.1\n');
    await initGenerator(tree, { deployDir: 'ops/deploy' });
    const ci = parse(tree.read('.github/workflows/ci.yml', 'utf-8')!);
    expect(ci.jobs.affected.steps.at(-1).run).toBe('npx nx affected -t lint test coverage build --output-style=stream');
    expect(ci.jobs.affected.steps.find((s: { uses?: string }) => s.uses?.startsWith('actions/setup-node@')).with['node-version']).toBe('24.11.1');
    expect(ci.jobs.deploy).toMatchObject({ needs: 'affected', uses: './.github/workflows/deploy.yml' });
    const deploy = parse(tree.read('.github/workflows/deploy.yml', 'utf-8')!);
    expect(Object.keys(deploy.jobs)).toEqual(['staging', 'production']);
    expect(deploy.jobs.production.needs).toBe('staging');
    for (const environment of ['staging', 'production']) {
      const job = deploy.jobs[environment];
      expect(job.environment.name).toBe(environment);
      expect(job.permissions).toEqual({ contents: 'read', actions: 'read', 'id-token': 'write' });
      // The context environments.yaml reads is the one get-gke-credentials writes.
      expect(job.env[`${environment.toUpperCase()}_KUBE_CONTEXT`]).toBe('gke_${{ vars.GCP_PROJECT }}_${{ vars.GKE_LOCATION }}_${{ vars.GKE_CLUSTER }}');
      const runs = job.steps.map((s: { run?: string }) => s.run ?? '').join('\n');
      expect(runs).toContain(`npx nx run deploy:${environment} --allowNothingToDeploy`);
      expect(runs).toContain(`uv==${TOOL_VERSIONS.uvVersion}`);
      // Every action pinned to a full commit.
      for (const step of job.steps) if (step.uses) expect(step.uses).toMatch(/@[0-9a-f]{40}$/);
    }
    expect(tree.read('.github/PULL_REQUEST_TEMPLATE.md', 'utf-8')).toContain('`ops/deploy/services/*.yaml`');
  });

  it('installs the tool versions this repository is tested with (scripts/setup.sh)', () => {
    const setup = readFileSync(join(__dirname, '../../../../../scripts/setup.sh'), 'utf8');
    expect(TOOL_VERSIONS).toEqual({
      uvVersion: setup.match(/^UV_VERSION=(\S+)$/m)?.[1],
      cargoLlvmCovVersion: setup.match(/^CARGO_LLVM_COV_VERSION=(\S+)$/m)?.[1],
    });
  });

  it("keeps a team's own workflows, writes none with --no-workflows, and records --baseImages as the service generator's default", async () => {
    const tree = createTreeWithEmptyWorkspace();
    tree.write('.github/workflows/ci.yml', 'name: ours\n');
    await initGenerator(tree, { baseImages: 'europe-docker.pkg.dev/acme/bases' });
    expect(tree.read('.github/workflows/ci.yml', 'utf-8')).toBe('name: ours\n');
    expect(tree.exists('.github/workflows/deploy.yml')).toBe(true);
    expect(readNxJson(tree)?.generators).toEqual({ [`${PLUGIN}:service`]: { baseImages: 'europe-docker.pkg.dev/acme/bases' } });
    const bare = createTreeWithEmptyWorkspace();
    await initGenerator(bare, { workflows: false });
    expect(WORKFLOW_FILES.filter((f) => bare.exists(f))).toEqual([]);
    expect(readNxJson(bare)?.generators).toBeUndefined();
  });
});
