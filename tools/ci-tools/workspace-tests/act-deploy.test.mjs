// @workspace-test uses=docker,cluster,prometheus cached inputs=workspaceConfig,workflows,tools/nx-plugin/src/**/*,tools/deploy/**/*,tools/load/**/*,apps/cache-server/src/**/*
// The deploy workflows, run end to end by act (tools/workflow-runner/act.sh) as GitHub runs them
// (see act-ci.test.mjs for how): the cloud is replaced by clearly named local stand-ins
// (tools/workflow-runner/stand-ins: gcloud, google-github-actions/auth and get-gke-credentials), so the deploy workflows
// really deploy to and roll back the local staging cluster through their own steps.
// It shares the cluster and Prometheus with the other tests that use them (its own namespaces, its
// own exporter): its production canary and soak are judged on 3 s rounds over 6 s windows of
// scraped data, which a busy machine still fills (holding the cluster alone for its 15 minutes kept
// every other cluster test waiting: full33). Cached: its outcome is the workflows', the
// scripts', the release engine's and the deploy configuration's (its inputs).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pushVariant } from '../../workspace-tests/images.mjs';
import { repoRoot, scratchCopy, start, tryRun } from '../../workspace-tests/scratch.mjs';
import { startExporter, waitForSeries } from '../../workspace-tests/slo-exporter.mjs';
import { CONTEXT, deleteTestNamespace, kubectl } from '../../workspace-tests/local-stack.mjs';
import { actFixture, setNamespaces } from './act-fixture.mjs';
import { parse, stringify } from 'yaml';

const NS = `it-act-${process.pid}`;
const NS_PROD = `it-act-prod-${process.pid}`;
const SERVICES = ['agents', 'cache-server', 'dashboard', 'execution-engine'];
const apiState = { runs: [], commits: [] }; // what the GitHub API stand-in answers
let fixture; // runner clone, act, stand-ins (act-fixture.mjs)
let runner;
let api;
let cache;
let WRITE;
let deployer; // a scratch copy, as root, that deploys the release a rollback goes back from
const images = {};
let hook; // the team chat's incoming webhook: a local receiver of what the workflows' NOTIFY_WEBHOOK_URL is sent
/** A receiver on 127.0.0.1 that records every message posted to it (Slack-compatible JSON). */
async function startReceiver() {
  const received = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      received.push(JSON.parse(body));
      res.end('ok');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/hook`, received, close: () => new Promise((resolve) => server.close(resolve)) };
}
/** The chat lines received since `from` (the messages' plain-text fallback). */
const texts = (from) => hook.received.slice(from).map((m) => m.text);
const selector = (svc) => kubectl('-n', NS, 'get', 'service', svc, '-o', 'jsonpath={.spec.selector.trading\\.dev/color}');
const liveRelease = (svc) => kubectl('-n', NS, 'get', 'service', svc, '-o', 'jsonpath={.spec.selector.trading\\.dev/release}');
const history = (svc, ns = NS) => JSON.parse(kubectl('-n', ns, 'get', 'configmap', `${svc}-releases`, '-o', 'jsonpath={.data.history}'));
/** The incident link the workflow's incident step left in the namespace (<svc>-incident). */
const incidentLink = (svc, ns = NS) => JSON.parse(kubectl('-n', ns, 'get', 'configmap', `${svc}-incident`, '-o', 'jsonpath={.data.incident}'));
/** The incident issues the workflows opened through the GitHub API stand-in (issue 33). */
const incidents = (state) => (apiState.issues ?? []).filter((i) => i.labels.includes('incident') && (!state || i.state === state));
const act = (...args) => fixture.act(...args);
const commitAsRunner = (...args) => runner.commit(...args);
const gitAsRunner = (...args) => runner.git(...args);
const rootOwned = () => runner.rootOwned();

/** The deployer's image record of `service` (what docker-build -c push would leave). */
function recordImage(service, image, revision) {
  mkdirSync(join(deployer.dir, 'dist', service), { recursive: true });
  writeFileSync(join(deployer.dir, 'dist', service, 'image.json'), JSON.stringify({ project: service, reference: image, revision }));
}

function deploy(image) {
  recordImage('execution-engine', image, 'f'.repeat(40));
  const result = tryRun(deployer.dir, 'npx', ['nx', 'run', 'deploy:staging', '--services=execution-engine', '--skipAnalysis', '--output-style=static']);
  assert.equal(result.code, 0, result.out);
}

before(async () => {
  assert.equal(tryRun(repoRoot, 'npx', ['nx', 'run', 'local-cluster:up']).code, 0, 'the local cluster must start');
  assert.equal(tryRun(repoRoot, 'bash', ['tools/prometheus/prometheus.sh', 'up']).code, 0, 'prometheus must start');
  for (const n of [1, 2, 3, 4]) images[n] = pushVariant('it-act', n); // 4: what staging judges and production gets
  deployer = scratchCopy();
  setNamespaces(deployer.dir, NS, NS_PROD);
  // The deployer seeds production with an unjudged release (--skipAnalysis), which production's own
  // configuration refuses (requireAnalysis): in the deployer's copy only, never the workflow's.
  const envFile = join(deployer.dir, 'tools/deploy/environments.yaml');
  writeFileSync(envFile, readFileSync(envFile, 'utf8').replace('requireAnalysis: true', 'requireAnalysis: false'));
  hook = await startReceiver();
  fixture = await actFixture(`act-deploy-${process.pid}`, { staging: NS, production: NS_PROD, apiState });
  ({ runner, api, cache } = fixture);
  WRITE = fixture.tokens.write;
  // What the stand-in of get-gke-credentials hands out as GKE credentials: the local cluster, readable by the runner.
  writeFileSync(
    join(runner.base, 'local-cluster.kubeconfig'),
    execFileSync('kubectl', ['config', 'view', '--context', CONTEXT, '--minify', '--flatten', '--raw'], { encoding: 'utf8' }),
    { mode: 0o600 },
  );
  execFileSync('chown', ['runner:runner', join(runner.base, 'local-cluster.kubeconfig')]);
});

after(async () => {
  await hook?.close();
  await fixture?.close();
  deployer?.cleanup();
  for (const ns of [NS, NS_PROD]) deleteTestNamespace(ns);
});

test("rollback.yml by hand (workflow_dispatch): the local staging cluster goes back to the previous release through the workflow's own steps", async () => {
  deploy(images[1]);
  deploy(images[2]);
  assert.equal(selector('execution-engine'), 'green');
  const takenOff = liveRelease('execution-engine');
  const result = await act('rollback.yml', 'workflow_dispatch', { inputs: { service: 'execution-engine', environment: 'staging', reason: 'act: by hand' } });
  assert.equal(result.code, 0, result.out.slice(-4000));
  assert.equal(selector('execution-engine'), 'blue', 'traffic is back on the previous release');
  assert.match(JSON.stringify(history('execution-engine').at(-1)), /act: by hand/);
  assert.match(result.out, /stand-in auth: would exchange GitHub's OIDC token for deployer@acme/);
  const gcloud = readFileSync(join(runner.base, 'stand-in.log'), 'utf8');
  // Issue 31, finding 1: the kubeconfig from get-gke-credentials, with the staging environment's variables.
  assert.match(gcloud, /^get-gke-credentials staging-1 --location europe-west1 --project acme -> gke_acme_europe-west1_staging-1$/m);
  assert.match(result.out, /stand-in get-gke-credentials: context gke_acme_europe-west1_staging-1 in \/\S+\/gha-kubeconfig-[0-9a-f]{8}/);
  assert.doesNotMatch(gcloud, /configure-docker/, 'a rollback configures no registry');
  // Issue 33: the release taken off traffic has its incident issue, labelled, with the reason.
  assert.deepEqual(
    incidents('open').map((i) => [i.title, i.labels]),
    [[`Incident: execution-engine in staging, release ${takenOff} taken off traffic`, ['incident', 'service:execution-engine', 'env:staging']]],
  );
  assert.match(incidents()[0].body, /\*\*RolledBack\*\* since \S+: .*act: by hand/);
  // Linked in the namespace the workflow's deploy:status read, for the Deployments page.
  const link = incidentLink('execution-engine');
  assert.deepEqual([link.number, link.release, link.state], [incidents()[0].number, takenOff, 'open']);
  assert.match(link.url, new RegExp(`^https://github\\.com/[^/]+/[^/]+/issues/${link.number}$`));
  assert.deepEqual(rootOwned(), []);
});

test('rollback.yml from an SLO alert (repository_dispatch): the service the firing alert names goes back', async () => {
  deploy(images[3]);
  assert.equal(selector('execution-engine'), 'green');
  const takenOff = liveRelease('execution-engine');
  const payload = {
    action: 'slo-alert',
    // {environment, service, alert}: within GitHub's 10 top-level keys whatever Alertmanager sends.
    client_payload: {
      environment: 'staging',
      service: 'execution-engine',
      alert: {
        version: '4',
        status: 'firing',
        // The release label as the SLO rules set it: the alert is about the release live now.
        alerts: [
          {
            status: 'firing',
            labels: { alertname: 'ErrorRateHigh', service: 'execution-engine', environment: 'staging', release: liveRelease('execution-engine') },
          },
        ],
      },
    },
  };
  const heard = hook.received.length;
  const result = await act('rollback.yml', 'repository_dispatch', payload, '-s', `NOTIFY_WEBHOOK_URL=${hook.url}`);
  assert.equal(result.code, 0, result.out.slice(-4000));
  assert.match(result.out, /rollback target: staging/);
  // The chat heard the rollback once, with its blocks, then the job's outcome line once.
  const said = texts(heard);
  assert.equal(said.filter((t) => t.startsWith('⏪ execution-engine in staging: rolled back (release ')).length, 1, said.join('\n'));
  assert.equal(said.filter((t) => /^rollback in staging: success/.test(t)).length, 1, said.join('\n'));
  assert.equal(said.length, 2, said.join('\n'));
  assert.ok(hook.received[heard].blocks?.length >= 2, 'a message with blocks and a plain-text fallback');
  assert.equal(selector('execution-engine'), 'blue');
  assert.match(JSON.stringify(history('execution-engine').at(-1)), /ErrorRateHigh/);
  // A second release taken off: an incident of its own; the first one is untouched.
  const titles = incidents('open').map((i) => i.title);
  assert.equal(titles.length, 2, titles.join('\n'));
  assert.equal(titles[1], `Incident: execution-engine in staging, release ${takenOff} taken off traffic`);
  assert.match(incidents()[1].body, /ErrorRateHigh/);
  // Alertmanager repeats a firing alert: another run (act's run id 2) finds the release no longer
  // live, rolls nothing back, and comments on the open incident instead of opening a second one.
  const heardBefore = hook.received.length;
  const repeat = await act('rollback.yml', 'repository_dispatch', payload, '--env', 'GITHUB_RUN_ID=2', '-s', `NOTIFY_WEBHOOK_URL=${hook.url}`);
  assert.equal(repeat.code, 0, repeat.out.slice(-4000));
  assert.match(repeat.out, new RegExp(`release ${takenOff} is not live .*nothing to roll back`));
  assert.equal(selector('execution-engine'), 'blue');
  assert.equal(incidents('open').length, 2, 'no second issue for the same release');
  assert.deepEqual(
    incidents()[1].comments.map((c) => c.split(':')[0]),
    ['Again (RolledBack)'],
  );
  const again = texts(heardBefore);
  assert.equal(again.length, 1, `the chat hears the run, not a second rollback: ${again.join(' | ')}`);
  assert.match(again[0], /^rollback in staging: success/);
  assert.deepEqual(rootOwned(), []);
});

test('staging-deploy.yml by hand after a docs-only merge: compares with the last successful CI run on main, has nothing to deploy, and passes', async () => {
  const before = commitAsRunner('docs/act-note.md', 'A docs-only change.\n', 'docs only');
  const head = gitAsRunner('rev-parse', 'HEAD');
  api.requests.length = 0;
  Object.assign(apiState, { runs: [{ workflow: 'ci.yml', event: 'push', branch: 'main', head_sha: before }], commits: [head, before] });
  const result = await act(
    'staging-deploy.yml',
    'workflow_dispatch',
    { inputs: {}, ref: 'refs/heads/main' },
    '--var',
    `ARTIFACT_REGISTRY=127.0.0.1:5000/trading`,
    '--var',
    'PROMETHEUS_URL=http://127.0.0.1:9090',
  );
  assert.equal(result.code, 0, result.out.slice(-6000));
  assert.ok(
    api.requests.some((r) => /\/actions\/workflows\/ci\.yml\/runs$/.test(r.path) && r.query.event === 'push'),
    JSON.stringify(api.requests),
  );
  assert.match(result.out, new RegExp(`Commit: ${before}`), 'nx-set-shas took the last successful CI run as the base');
  assert.match(result.out, /nothing to deploy: no service has a pushed image record .*the live releases stay as they are/);
  assert.deepEqual(rootOwned(), []);
});

// The production promotion, past its approval (GitHub's protected environment; act has none): the
// integration-tests job (scripts/test-all.sh, which is the run this test belongs to, so it says so
// and stops), then the deploy job as written: credentials from the stand-ins and nx run
// deploy:production --promoteFrom=staging against the local cluster. Build once, promote by digest
// (issue 31, finding 5): the job builds nothing; each service gets the image staging runs and
// judged, its canary judged by the SLO analysis on the local Prometheus, the swap, the soak.
const STAGED_SHA = 'c'.repeat(40);
const recordImages = (image, revision) => {
  for (const service of SERVICES) recordImage(service, image, revision);
};
const productionSelectors = () => SERVICES.map((service) => kubectl('-n', NS_PROD, 'get', 'service', service, '-o', 'jsonpath={.spec.selector}'));
test("production-deploy.yml (past its approval): promotes exactly staging's judged digests, building nothing; canaries each service against the SLOs, swaps and soaks in the local cluster", async () => {
  // What is live in production before: a release of each service (deployed as root, unjudged).
  recordImages(images[1], 'f'.repeat(40));
  // Production runs only images that carry their SBOM and build provenance (requireAttestations):
  // these were pushed without, so the deploy is refused before anything moves.
  const unattested = tryRun(deployer.dir, 'npx', ['nx', 'run', 'deploy:production', '--skipAnalysis', `--context=${CONTEXT}`, '--output-style=static']);
  assert.notEqual(unattested.code, 0, unattested.out);
  assert.match(
    unattested.out,
    /production runs only attested images \(requireAttestations in .*environments\.yaml\); nothing was deployed:\n\s+agents \(\S+\): no build provenance is attached to its digest; no SBOM is attached to its digest/,
  );
  // The seed goes in anyway, in the deployer's copy only (never the workflow's).
  const seedConfig = join(deployer.dir, 'tools/deploy/environments.yaml');
  writeFileSync(seedConfig, readFileSync(seedConfig, 'utf8').replace('requireAttestations: true', 'requireAttestations: false'));
  const first = tryRun(deployer.dir, 'npx', ['nx', 'run', 'deploy:production', '--skipAnalysis', `--context=${CONTEXT}`, '--output-style=static']);
  assert.equal(first.code, 0, first.out);
  // Staging has not judged these services yet: the promotion is refused through nx, and production is untouched.
  const before = productionSelectors();
  const refused = tryRun(deployer.dir, 'npx', ['nx', 'run', 'deploy:production', '--promoteFrom=staging', `--context=${CONTEXT}`, '--output-style=static']);
  assert.notEqual(refused.code, 0, refused.out);
  assert.match(
    refused.out,
    new RegExp(`promotion from staging \\(namespace ${NS}\\) refused; nothing was deployed:[\\s\\S]*agents: never deployed in staging`),
  );
  assert.deepEqual(productionSelectors(), before, 'a refused promotion moves nothing');
  // An open production incident of the engine (an older release taken off): the promotion below closes it.
  const issues = (apiState.issues ??= []);
  const stale = {
    number: issues.length + 1,
    title: 'Incident: execution-engine in production, release 0123456789ab taken off traffic',
    body: '',
    state: 'open',
    comments: [],
  };
  issues.push({ ...stale, labels: ['incident', 'service:execution-engine', 'env:production'] });
  // The pods' metrics: staging's colours; in production healthy canaries (beside blue, the live
  // colour) and green after the swap.
  const pods = await startExporter({ name: `act-prod-${process.pid}` });
  try {
    pods.target(
      SERVICES.flatMap((service) => [
        { namespace: NS, service, color: 'blue' },
        { namespace: NS, service, color: 'green' },
        { namespace: NS_PROD, service, color: 'blue', track: 'canary' },
        { namespace: NS_PROD, service, color: 'green' },
      ]),
    );
    for (const service of SERVICES)
      for (const [ns, color] of [
        [NS, 'blue'],
        [NS, 'green'],
        [NS_PROD, 'green'],
      ])
        await waitForSeries(`namespace="${ns}",service="${service}",color="${color}"`);
    // Staging judges a new release of every service (its soak in seconds, in the deployer's copy only).
    const envFile = join(deployer.dir, 'tools/deploy/environments.yaml');
    const envs = parse(readFileSync(envFile, 'utf8'));
    Object.assign(envs.staging.analysis, { intervalSeconds: 3, windowSeconds: 6, soakSeconds: 6 });
    delete envs.staging.analysis.load; // kwok's pods serve nothing: the exporter stands in
    writeFileSync(envFile, stringify(envs));
    recordImages(images[4], STAGED_SHA);
    // Their SBOM and provenance, attached through nx as docker-build -c push attaches them: the
    // first service's attest attaches both, the others find them on the same digest.
    const attested = tryRun(deployer.dir, 'npx', ['nx', 'run-many', '-t', 'attest', '-p', SERVICES.join(','), '--parallel=1', '--output-style=static']);
    assert.equal(attested.code, 0, attested.out);
    assert.match(attested.out, /SBOM \(syft, SPDX 2\.3\) attached[\s\S]*build provenance \(SLSA v1, commit cccccccccccc\) attached/);
    assert.match(attested.out, /build provenance already attached/);
    // In the background: the exporter answers Prometheus's scrapes from this process meanwhile.
    const staging = start(deployer.dir, 'npx', ['nx', 'run', 'deploy:staging', '--all', '--output-style=static']);
    const staged = { code: await staging.exited, out: staging.output() };
    assert.equal(staged.code, 0, staged.out);
    for (const service of SERVICES) assert.match(staged.out, new RegExp(`\\[${service}\\] soak passed`), service);
    rmSync(join(deployer.dir, 'dist'), { recursive: true, force: true });
    const standInLog = () => (existsSync(join(runner.base, 'stand-in.log')) ? readFileSync(join(runner.base, 'stand-in.log'), 'utf8') : '');
    const gcloudBefore = standInLog().length;
    const heard = hook.received.length;
    const result = await act(
      'production-deploy.yml',
      'workflow_dispatch',
      { inputs: { reason: 'act: promote the staged commit' } },
      '-s',
      `NX_CACHE_TOKEN=${WRITE}`,
      '--var',
      `NX_REMOTE_CACHE_URL=${cache.address}`,
      '--var',
      'ARTIFACT_REGISTRY=127.0.0.1:5000/trading',
      '--var',
      'PROMETHEUS_URL=http://127.0.0.1:9090',
      '-s',
      `NOTIFY_WEBHOOK_URL=${hook.url}`,
    );
    assert.equal(result.code, 0, result.out.slice(-8000));
    assert.match(result.out, /test-all: nested inside a run of scripts\/test-all\.sh/);
    const closed = apiState.issues.find((i) => i.number === stale.number);
    assert.equal(closed.state, 'closed', 'the promotion closed the open production incident');
    assert.match(closed.comments.at(-1), /^Resolved: release [0-9a-f]{12} is live and promoted in production/);
    assert.equal(incidentLink('execution-engine', NS_PROD).state, 'closed', 'the link says the incident is closed');
    assert.ok(
      incidents('open').every((i) => i.title.includes('in staging')),
      'no production incident stays open',
    );
    assert.match(result.out, /Promoting staging's releases with the deploy config at [0-9a-f]{40}: act: promote the staged commit/);
    // Nothing was built or pushed: no image build ran in the job (no docker-build task, no buildx;
    // the analysis load's hint to build the load image, which kwok's namespaces never need, is no build).
    assert.doesNotMatch(result.out, /> nx run \S+:docker-build|docker buildx build|: building \S+ with docker|Set up toolchains/);
    for (const service of SERVICES) {
      assert.match(
        result.out,
        new RegExp(`\\[${service}\\] canary passed[\\s\\S]*\\[${service}\\] switch traffic blue -> green[\\s\\S]*\\[${service}\\] soak passed`),
        service,
      );
      assert.equal(kubectl('-n', NS_PROD, 'get', 'service', service, '-o', 'jsonpath={.spec.selector.trading\\.dev/color}'), 'green', service);
      // Exactly the digest staging runs and judged, with the commit staging recorded.
      const live = kubectl('-n', NS_PROD, 'get', 'deploy', `${service}-green`, '-o', 'jsonpath={.spec.template.spec.containers[0].image}');
      assert.equal(live, images[4], service);
      assert.match(
        result.out,
        new RegExp(`promote ${service}: \\S+@sha256:[0-9a-f]{12}… \\(commit ${STAGED_SHA.slice(0, 12)}\\), live in staging and judged there: soak passed`),
      );
      assert.equal(history(service, NS_PROD).at(-1).image, images[4]);
      // Verified before anything moved: the SBOM and the provenance of staging's commit, read back by oras.
      assert.match(result.out, new RegExp(`attested ${service}: \\S+ carries its SBOM and the build provenance of commit ${STAGED_SHA.slice(0, 12)}`), service);
    }
    // Each phase of each service's release, once, in order: started, canary passed, switched, live.
    const said = texts(heard);
    for (const service of SERVICES) {
      const phases = said.filter((t) => t.split(' ')[1] === service && t.includes(' in production: '));
      assert.deepEqual(
        phases.map((t) => /^\S+ \S+ in production: ([^(]+?) \(/.exec(t)?.[1]),
        ['deploy started', 'canary passed', 'traffic switched, soak started', 'live'],
        `${service}: ${phases.join(' | ')}`,
      );
    }
    // The registry login is for reading the images' SBOMs and provenance (nothing is pushed, above).
    assert.match(standInLog().slice(gcloudBefore), /^gcloud auth configure-docker 127\.0\.0\.1:5000 --quiet$/m, 'the registry login, to read the attestations');
    assert.deepEqual(rootOwned(), []);
  } finally {
    await pods.close();
  }
});
