// What the act workflow tests (act-ci.test.mjs, act-deploy.test.mjs) share: the runner's clone
// with the test's namespaces, the stand-ins for GitHub's API and the cloud, the remote cache server,
// and act run in that clone with the repository's variables. See act-ci.test.mjs for the runs.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { startGitHubApi } from '../../workflow-runner/github-api-stand-in.mjs';
import { startCacheServer } from '../../workspace-tests/cache-server.mjs';
import { prepareRunnerUser, runnerWorkspace } from '../../workspace-tests/act-runner.mjs';
import { repoRoot } from '../../workspace-tests/scratch.mjs';

/** The repository's variables and secrets as GitHub would pass them (the cloud's are stand-ins). */
const VARS = [
  'GCP_PROJECT=acme',
  'GKE_CLUSTER=staging-1',
  'GKE_LOCATION=europe-west1',
  'GCP_WORKLOAD_IDENTITY_PROVIDER=projects/1/locations/global/workloadIdentityPools/github/providers/repo',
  'GCP_DEPLOY_SERVICE_ACCOUNT=deployer@acme.iam.gserviceaccount.com',
]
  .flatMap((v) => ['--var', v])
  .concat('-s', 'GITHUB_TOKEN=token-for-the-github-api-stand-in'); // github.token, for nx-set-shas

/** The test's namespaces, and production's canary and soak shortened to seconds (the same code judges them). */
export function setNamespaces(dir, staging, production) {
  const file = join(dir, 'tools/deploy/environments.yaml');
  const envs = parse(readFileSync(file, 'utf8'));
  Object.assign(envs.staging, { namespace: staging, scaleDownDelaySeconds: 1 });
  Object.assign(envs.production, { namespace: production, scaleDownDelaySeconds: 1, rolloutTimeoutSeconds: 60 });
  // Rounds of 3 s over 6 s windows (Prometheus scrapes every second): filled on a busy machine too.
  Object.assign(envs.production.analysis, { intervalSeconds: 3, windowSeconds: 6, soakSeconds: 9 });
  envs.production.canary.analysisSeconds = 9;
  // kwok's pods serve no traffic (the exporter stands in): no baseline to compare the canary with
  // (canary-baseline.test.mjs judges that on the real node).
  delete envs.production.canary.baseline;
  // Production's analysis load takes the load image staging recorded: this test's staging.
  const load = envs.production.analysis.load.command;
  load[load.indexOf('--image-from') + 1] = staging;
  writeFileSync(file, stringify(envs));
  // Nor can the load generator reach them: the services judged on its requests (scrape: false) are
  // judged here on the exporter's metrics, like the others.
  for (const service of ['dashboard', 'cache-server']) {
    const path = join(dir, 'tools/deploy/services', `${service}.yaml`);
    writeFileSync(
      path,
      readFileSync(path, 'utf8')
        .replace(/^scrape: false.*\n/m, '')
        .replace(/^analysis: .*\n/m, ''),
    );
  }
}

/**
 * The runner user, its clone `name` (namespaces set), the GitHub API stand-in answering `apiState`
 * and a remote cache server with a write and a read token. `close()` stops and removes them all.
 */
export async function actFixture(name, { staging, production, apiState }) {
  prepareRunnerUser();
  const api = await startGitHubApi(apiState);
  const cacheWork = mkdtempSync(join(tmpdir(), 'act-cache-'));
  const tokens = { write: `write-${randomBytes(12).toString('hex')}`, read: `read-${randomBytes(12).toString('hex')}` };
  const cache = await startCacheServer(cacheWork, tokens);
  const runner = runnerWorkspace(name, {
    edit: (dir) => setNamespaces(dir, staging, production),
    // production-deploy.yml's integration-tests job runs scripts/test-all.sh: the run this test is part of.
    // No POSTGRES_ADDR here: act's --env-file wins over a job's env, and ci.yml's shards each take
    // their own port (an act.env port put every shard on one, and the second was refused).
    env: [`GITHUB_API_URL=${api.url}`, 'TEST_ALL_NESTED=skip'],
  });
  /** act.sh in the runner's clone, with the stand-ins for the cloud: { code, out }. */
  const act = (workflow, event, payload, ...flags) =>
    runner.act(workflow, event, payload, [...VARS, ...flags], {
      ACT_PATH_PREPEND: join(repoRoot, 'tools/workflow-runner/stand-ins/bin'),
      STAND_IN_KUBECONFIG: join(runner.base, 'local-cluster.kubeconfig'),
      STAND_IN_LOG: join(runner.base, 'stand-in.log'),
    });
  return {
    api,
    cache,
    tokens,
    runner,
    act,
    async close() {
      await api.close();
      cache.child.kill();
      rmSync(cacheWork, { recursive: true, force: true });
      runner.cleanup();
      console.log(`act wall times:\n  ${runner.timings.join('\n  ')}`);
    },
  };
}
