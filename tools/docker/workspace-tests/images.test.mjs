// @workspace-test uses=docker,postgres cached images=agents,execution-engine,dashboard,cache-server inputs=tools/nx-plugin/src/executors/docker-build/**/*,tools/nx-plugin/src/supply-chain/**/*
// The service images, as `nx run-many -t docker-build -c push` left them (scripts/test-all.sh runs
// it first): each runs, answers /healthz, turns healthy by its own HEALTHCHECK, runs as a
// non-root user, and comes back from the local registry by digest. Then the executor's failure
// paths, through nx, against the real daemon and registry.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, throwawayDatabase } from '../../testing/local-services.mjs';
import { repoRoot, run, scratchCopy, tryRun } from '../../workspace-tests/scratch.mjs';

const docker = (...args) => execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The engine and the agents keep their state in PostgreSQL (a throwaway database on the local
// server, reached over the host network like everything here).
const services = [
  { project: 'agents', maxMB: 200, database: true },
  { project: 'execution-engine', maxMB: 40, database: true },
  { project: 'dashboard', maxMB: 250 },
  { project: 'cache-server', maxMB: 250, portVar: 'CACHE_PORT', env: ['CACHE_WRITE_TOKEN=image-test-token-0123456789'] },
];

for (const { project, maxMB, portVar = 'PORT', env = [], database = false } of services) {
  test(`${project}: image runs healthy as non-root and round-trips the registry by digest`, async () => {
    const file = join(repoRoot, 'dist', project, 'image.json');
    assert.ok(existsSync(file), `${file} missing: run npx nx run-many -t docker-build -c push first`);
    const record = JSON.parse(readFileSync(file, 'utf8'));
    assert.match(record.reference, /^127\.0\.0\.1:5000\/trading\/[a-z-]+@sha256:[0-9a-f]{64}$/);
    assert.ok(record.sizeBytes / 1e6 <= maxMB, `${project} image is ${(record.sizeBytes / 1e6).toFixed(1)} MB, budget ${maxMB} MB`);

    // Pull back by digest after dropping the local tags: the registry serves the same image.
    for (const tag of record.tags) docker('image', 'rm', '--no-prune', `${record.repository}:${tag}`);
    docker('pull', '-q', record.reference);
    assert.equal(docker('image', 'inspect', '--format', '{{.Id}}', record.reference), record.imageId);
    const labels = JSON.parse(docker('image', 'inspect', '--format', '{{json .Config.Labels}}', record.reference));
    assert.equal(labels['org.opencontainers.image.revision'], record.revision);
    assert.equal(labels['org.opencontainers.image.version'], record.version);

    const port = await freePort();
    const name = `it-${project}-${port}`;
    const db = database ? throwawayDatabase(`image_${project}`) : undefined;
    const envArgs = [`${portVar}=${port}`, ...env, ...(db ? [`DATABASE_URL=${db.url}`] : [])].flatMap((e) => ['-e', e]);
    docker('run', '-d', '--name', name, '--network', 'host', ...envArgs, '--read-only', '--tmpfs', '/tmp', record.reference);
    try {
      let body;
      for (let i = 0; i < 60 && body === undefined; i++) {
        try {
          const res = await fetch(`http://127.0.0.1:${port}/healthz`);
          if (res.ok) body = await res.text();
        } catch {
          await sleep(500);
        }
      }
      assert.ok(body !== undefined, `${project} never answered /healthz:\n${docker('logs', '--tail', '20', name)}`);
      const pid = docker('inspect', '--format', '{{.State.Pid}}', name);
      const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1];
      assert.notEqual(uid, '0', `${project} runs as root`);
      let health = '';
      for (let i = 0; i < 40 && health !== 'healthy'; i++) {
        health = docker('inspect', '--format', '{{.State.Health.Status}}', name);
        if (health !== 'healthy') await sleep(1000);
      }
      assert.equal(health, 'healthy', 'the image HEALTHCHECK must pass');
    } finally {
      docker('rm', '-f', name);
      db?.drop();
    }
  });
}

// Issue 31: each pushed image carries, attached to its digest, its SBOM (syft) and its build
// provenance (SLSA v1), as docker-build -c push attached them and production verifies them; read
// back here with oras. The SBOM sees the Debian packages of every base (distroless-style bases keep
// each package's record in /var/lib/dpkg/status.d; without them syft and grype saw nothing).
const oras = join(process.env.TRADING_BIN || join(homedir(), '.cache/trading-platform/bin'), 'oras');
const pulled = (reference) => {
  const dir = mkdtempSync(join(tmpdir(), 'attachment-'));
  try {
    execFileSync(oras, ['pull', '--plain-http', '--output', dir, reference], { stdio: 'ignore' });
    const [file] = readdirSync(dir);
    return JSON.parse(readFileSync(join(dir, file), 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
test('each service image carries its SBOM and build provenance, attached to its digest in the registry', () => {
  for (const { project } of services) {
    const record = JSON.parse(readFileSync(join(repoRoot, 'dist', project, 'image.json'), 'utf8'));
    const { sbom, provenance } = record.attestations ?? {};
    assert.ok(sbom && provenance, `${project}: the image record names no attestations`);
    const listed = JSON.parse(execFileSync(oras, ['discover', '--plain-http', '--format', 'json', record.reference], { encoding: 'utf8' })).referrers.map(
      (r) => r.digest,
    );
    assert.ok(listed.includes(sbom) && listed.includes(provenance), `${project}: ${listed.join(', ')}`);
    const repository = record.reference.split('@')[0];
    const statement = pulled(`${repository}@${provenance}`);
    assert.equal(statement.subject[0].digest.sha256, record.digest.slice('sha256:'.length), project);
    assert.equal(statement.predicate.buildDefinition.externalParameters.revision, record.revision, project);
    assert.equal(statement.predicate.buildDefinition.externalParameters.project, project);
    const document = pulled(`${repository}@${sbom}`);
    assert.equal(document.spdxVersion, 'SPDX-2.3', project);
    const debs = document.packages.filter((p) => (p.externalRefs ?? []).some((r) => r.referenceLocator.startsWith('pkg:deb/debian/')));
    assert.ok(
      debs.some((p) => p.name === 'libc6'),
      `${project}: the SBOM lists ${debs.length} Debian packages and no libc6`,
    );
  }
});

test('the Node images run the Node.js .nvmrc pins', () => {
  const pinned = readFileSync(join(repoRoot, '.nvmrc'), 'utf8').trim();
  for (const project of ['dashboard', 'cache-server']) {
    const record = JSON.parse(readFileSync(join(repoRoot, 'dist', project, 'image.json'), 'utf8'));
    assert.equal(docker('run', '--rm', '--network', 'none', '--entrypoint', 'node', record.reference, '--version'), `v${pinned}`, project);
  }
});

/** `nx run <target>` of a docker-build, never replayed from the cache, its dependencies not rebuilt. */
const dockerBuild = (target, args = [], env = {}) =>
  tryRun(repoRoot, 'npx', ['nx', 'run', target, '--excludeTaskDependencies', '--output-style=static', ...args], { NX_SKIP_NX_CACHE: 'true', ...env });
const nxBuild = (args, env = {}) => dockerBuild('execution-engine:docker-build', args, env);

test('docker-build fails clearly, and writes no image record, on bad input', () => {
  const out = mkdtempSync(join(tmpdir(), 'image-record-'));
  const record = join(out, 'image.json');
  const rel = record; // absolute paths join onto the workspace root harmlessly only when relative
  const outputFile = `--outputFile=${rel.replace(repoRoot + '/', '')}`;

  const noDockerfile = nxBuild(['--dockerfile=apps/nowhere/Dockerfile', outputFile]);
  assert.notEqual(noDockerfile.code, 0);
  assert.match(noDockerfile.out, /no Dockerfile at apps\/nowhere\/Dockerfile/);

  const noDaemon = nxBuild([outputFile], { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
  assert.notEqual(noDaemon.code, 0);
  assert.match(noDaemon.out, /daemon is not reachable[\s\S]*docker-env:up/);

  // A base the local registry does not have (a bare name would send BuildKit to Docker Hub).
  for (const builder of ['classic', 'buildkit']) {
    const badBase = nxBuild([`--builder=${builder}`, '--baseImage=127.0.0.1:5000/trading-base/does-not-exist:1', outputFile]);
    assert.notEqual(badBase.code, 0);
    assert.match(badBase.out, /image build failed \(exit \d+\); last lines of its log:[\s\S]*does-not-exist/);
  }

  const refused = nxBuild(['--push', '--registry=127.0.0.1:9/trading', outputFile]);
  assert.notEqual(refused.code, 0);
  assert.match(refused.out, /registry refused the push of 127\.0\.0\.1:9\/trading\/execution-engine/);

  assert.equal(existsSync(record), false, 'no image record after a failure');

  const dry = nxBuild(['--dryRun', '--push', '--registry=127.0.0.1:5000/trading']);
  assert.equal(dry.code, 0, dry.out);
  assert.match(
    dry.out,
    /dry run: DOCKER_BUILDKIT=0 docker build --file apps\/execution-engine\/Dockerfile --tag 127\.0\.0\.1:5000\/trading\/execution-engine:[0-9a-f]{40} --tag \S+:sha-[0-9a-f]{7}/,
  );
  // The Dockerfile labels the image from the build arguments in its last step; no --label repeats them.
  assert.match(dry.out, /--build-arg CREATED=\S+/);
  assert.doesNotMatch(dry.out, /--label /);
  assert.match(dry.out, /dry run: docker push 127\.0\.0\.1:5000\/trading\/execution-engine:0\.1\.0/);
});

// BuildKit (built from Go modules, started by tools/docker/daemon.sh, the current buildx builder
// by tools/docker/buildx-builder.sh) is what builder "auto" picks here; the classic builder stays
// the fallback and gets the Dockerfile without its RUN cache mounts.
test('builder auto uses the local BuildKit; the classic builder builds the same Dockerfile without its cache mounts', () => {
  assert.equal(tryRun(repoRoot, 'bash', ['tools/docker/buildx-builder.sh', '--check']).code, 0, 'the buildx builder "trading" must be running');
  const out = 'dist/image-builders'; // image records, beside the workspace's own
  const build = (builder) => dockerBuild('agents:docker-build', [`--builder=${builder}`, `--outputFile=${out}/${builder}.json`]);
  const auto = build('auto');
  assert.equal(auto.code, 0, auto.out);
  assert.match(auto.out, /\(buildkit builder\)/);
  assert.match(auto.out, /RUN --mount=type=cache,id=uv/);
  const classic = build('classic');
  assert.equal(classic.code, 0, classic.out);
  assert.match(classic.out, /note: 2 RUN cache mount\(s\) left out for the classic builder/);
  assert.match(classic.out, /DOCKER_BUILDKIT=0 docker build --file \S+\/Dockerfile /);
  // Both images carry the metadata labels (the executor checks every one of them after a build).
  for (const builder of ['auto', 'classic']) {
    const record = JSON.parse(readFileSync(join(repoRoot, out, `${builder}.json`), 'utf8'));
    const labels = JSON.parse(docker('image', 'inspect', '--format', '{{json .Config.Labels}}', record.imageId));
    assert.equal(labels['org.opencontainers.image.revision'], record.revision);
  }
});

// What the cached workspace tests key on (their images= inputs): an image's digest. A rebuild of an
// unchanged commit must give the same image even from another checkout, where the built files
// have other modification times (a fresh clone, an Nx cache replay) and the build runs later.
test("a rebuild of an unchanged commit gives the same image, whatever the files' times, the builder's cache and the hour", async () => {
  const out = 'dist/image-rebuild';
  const build = (project, n) => {
    const run = dockerBuild(`${project}:docker-build`, [`--outputFile=${out}/${project}-${n}.json`]);
    assert.equal(run.code, 0, run.out);
    return JSON.parse(readFileSync(join(repoRoot, out, `${project}-${n}.json`), 'utf8')).imageId;
  };
  // The engine's binary as an Nx cache replay leaves it (its first build's mtime, older than the
  // commit), then as a fresh build does (now): same bytes. (Clamping times to the commit's left the
  // older one as it was: another image.) The agents' virtualenv is made by RUN steps, whose Python
  // bytecode was stamped with the unpacked sources' times: another layer after every cache loss.
  // Each build starts from an empty builder cache, as on a new runner.
  const binary = join(repoRoot, 'target', 'release', 'execution-engine');
  const old = new Date('2000-01-01T00:00:00Z');
  utimesSync(binary, old, old);
  docker('buildx', 'prune', '--all', '--force');
  const first = { engine: build('execution-engine', 'first'), agents: build('agents', 'first') };
  docker('buildx', 'prune', '--all', '--force');
  const now = new Date();
  utimesSync(binary, now, now);
  await sleep(1100);
  assert.equal(build('execution-engine', 'second'), first.engine, 'the engine: the second build of the same commit gave another image');
  assert.equal(build('agents', 'second'), first.agents, 'the agents: the second build of the same commit gave another image');
});

// The revision label (the record's revision, and its created time) names the newest commit that
// changed the image's sources, not the checkout's commit (its tags do): a commit elsewhere, a docs
// change, builds the same image, so the cached tests of the image replay; one to its sources does not.
test("a commit that changes none of an image's sources builds the same image; a commit to its sources builds another", () => {
  const scratch = scratchCopy();
  try {
    // The built server as `nx run-many -t docker-build` left it here (the copy has no dist/).
    cpSync(join(repoRoot, 'dist/apps/cache-server'), join(scratch.dir, 'dist/apps/cache-server'), { recursive: true });
    const build = (n) => {
      const result = tryRun(
        scratch.dir,
        'npx',
        ['nx', 'run', 'cache-server:docker-build', '--excludeTaskDependencies', '--output-style=static', `--outputFile=dist/revisions/${n}.json`],
        { NX_SKIP_NX_CACHE: 'true' },
      );
      assert.equal(result.code, 0, result.out);
      return JSON.parse(readFileSync(join(scratch.dir, `dist/revisions/${n}.json`), 'utf8'));
    };
    const head = () => run(scratch.dir, 'git', ['rev-parse', 'HEAD']).trim();
    const commit = (file, text) => {
      appendFileSync(join(scratch.dir, file), text);
      run(scratch.dir, 'git', ['-c', 'user.name=t', '-c', 'user.email=t@localhost', 'commit', '-qam', `touch ${file}`]);
      return head();
    };
    const base = head();
    const first = build(1);
    assert.equal(first.revision, base);
    const docs = commit('docs/pipeline.md', '\n');
    const second = build(2);
    assert.equal(second.imageId, first.imageId, 'a docs commit gave the cache server another image');
    assert.equal(second.revision, base, 'the revision is the last commit of its sources');
    assert.equal(second.tags[0], docs, "tagged with the checkout's commit");
    const own = commit('apps/cache-server/src/hash.ts', '// touched\n');
    const third = build(3);
    assert.notEqual(third.imageId, first.imageId, 'a commit to its sources kept the image');
    assert.equal(third.revision, own);
    // Its commits' tags only (the branch and version tags are the real images' too).
    docker('image', 'rm', ...[first, second, third].flatMap((r) => r.tags.slice(0, 2).map((t) => `${r.repository}:${t}`)));
  } finally {
    scratch.cleanup();
  }
});

test('the registry cache lets a builder with an empty cache reuse every unchanged layer (what CI gets)', () => {
  const registry = process.env.DOCKER_REGISTRY || '127.0.0.1:5000/trading';
  const push = () => dockerBuild('agents:docker-build:push', [], { DOCKER_REGISTRY: registry });
  const first = push();
  assert.equal(first.code, 0, first.out);
  assert.match(first.out, new RegExp(`exporting cache to registry`));
  // Empty BuildKit's own cache, as on a fresh CI runner: only the registry cache is left.
  docker('buildx', 'prune', '--all', '--force');
  const second = push();
  assert.equal(second.code, 0, second.out);
  assert.match(second.out, new RegExp(`importing cache manifest from ${registry.replace(/\./g, '\\.')}/agents:buildcache`));
  // The dependency step (uv sync, the slow one) comes from the cache, not from PyPI.
  const step = /#(\d+) \[deps \d+\/\d+\] RUN --mount=type=cache,id=uv/.exec(second.out);
  assert.ok(step, second.out);
  assert.match(second.out, new RegExp(`#${step[1]} CACHED`));
});

/** A script of this repository run to its end with extra environment: { code, out } (both streams). */
async function runScript(args, env) {
  const { spawn } = await import('node:child_process');
  return new Promise((resolve) => {
    const child = spawn('bash', args, { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ code, out }));
  });
}

// Found by a cold .ci/run on a new machine: act's three shards, one user, made the user's buildx
// builder at once; two found it half made ("existing instance for \"trading\" but no append mode")
// and failed their container step. A fresh buildx configuration each round stands for that user.
test("making a user's buildx builder from several jobs at once succeeds in every one of them", async () => {
  const config = mkdtempSync(join(tmpdir(), 'docker-config-'));
  const makeOnce = () => runScript(['tools/docker/buildx-builder.sh'], { DOCKER_CONFIG: config });
  try {
    for (let round = 0; round < 3; round++) {
      rmSync(join(config, 'buildx'), { recursive: true, force: true });
      const results = await Promise.all(Array.from({ length: 4 }, makeOnce));
      for (const r of results) assert.equal(r.code, 0, r.out);
      const current = execFileSync('docker', ['buildx', 'inspect'], { encoding: 'utf8', env: { ...process.env, DOCKER_CONFIG: config } });
      assert.match(current, /^Name:\s+trading$/m, 'the builder is the current one');
    }
  } finally {
    rmSync(config, { recursive: true, force: true });
  }
});

// Found by the sharding benchmark under act: side-by-side CI jobs on one machine start the container
// environment together, and one shard failed ("mv: cannot stat …/docker-buildx.tmp": another
// start had moved the shared temporary file first).
test('starting the container engine from several jobs at once succeeds in every one of them', async () => {
  // The buildx plugin goes to a directory of this test's own, so the tests beside this one keep theirs.
  const plugins = mkdtempSync(join(tmpdir(), 'buildx-plugin-'));
  const startOnce = () => runScript(['tools/docker/daemon.sh', 'up'], { TRADING_BUILDX_PLUGIN_DIR: plugins });
  const buildx = readFileSync('/usr/local/lib/docker/cli-plugins/docker-buildx'); // as the stack installed it
  try {
    for (let round = 0; round < 3; round++) {
      // Each round installs the buildx plugin afresh, from all four at once.
      rmSync(join(plugins, 'docker-buildx'), { force: true });
      const results = await Promise.all(Array.from({ length: 4 }, startOnce));
      for (const r of results) assert.equal(r.code, 0, r.out);
      assert.ok(readFileSync(join(plugins, 'docker-buildx')).equals(buildx), 'the plugin installed is the buildx binary');
      assert.deepEqual(readdirSync(plugins), ['docker-buildx'], 'no temporary file left behind');
    }
  } finally {
    rmSync(plugins, { recursive: true, force: true });
  }
});
