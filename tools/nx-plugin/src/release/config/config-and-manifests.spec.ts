import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeployConfigError, expandVariables, loadEnvironment, loadEnvironments, loadServices } from './config';
import { baselineManifest, deploymentFromTemplate, deploymentManifest, releaseLabel, serviceManifest } from './manifests';
import { wantedRelease } from '../plan/release-plan';
import { LOCAL_CONTEXT } from '../../testing/local-cluster';

const repoConfig = join(__dirname, '../../../../deploy');

describe('deploy configuration', () => {
  it('loads the repository environments and services', () => {
    expect(loadEnvironment(repoConfig, 'staging')).toMatchObject({ namespace: 'trading-staging', context: LOCAL_CONTEXT });
    expect(Object.entries(loadEnvironments(repoConfig)).map(([name, env]) => [name, env.namespace])).toEqual([
      ['staging', 'trading-staging'],
      ['production', 'trading-production'],
    ]);
    expect(loadServices(repoConfig, 'production').map((s) => s.name)).toEqual(['agents', 'cache-server', 'dashboard', 'execution-engine']);
    expect(loadServices(repoConfig, 'staging', ['dashboard']).map((s) => s.name)).toEqual(['dashboard']);
  });

  it('names what is wrong: unknown environment or service, bad YAML, invalid fields', () => {
    expect(() => loadEnvironment(repoConfig, 'qa')).toThrow(/unknown environment "qa": .* defines staging, production/);
    expect(() => loadServices(repoConfig, 'staging', ['nope'])).toThrow(/unknown service\(s\) nope: known are/);
    const dir = mkdtempSync(join(tmpdir(), 'deploy-cfg-'));
    mkdirSync(join(dir, 'services'));
    expect(() => loadEnvironment(dir, 'staging')).toThrow(/environments.yaml not found/);
    writeFileSync(join(dir, 'environments.yaml'), 'staging: [unclosed');
    expect(() => loadEnvironment(dir, 'staging')).toThrow(/not valid YAML/);
    writeFileSync(join(dir, 'environments.yaml'), 'staging: { namespace: Bad_NS, context: x, rolloutTimeoutSeconds: 1, scaleDownDelaySeconds: 0 }');
    expect(() => loadEnvironment(dir, 'staging')).toThrow(DeployConfigError);
    expect(() => loadEnvironments(dir)).toThrow(/environments.yaml \(staging\)/);
    writeFileSync(
      join(dir, 'services/x.yaml'),
      'name: x\nproject: x\nport: 80\nreplicas: { staging: 1 }\nprobes: { readiness: /r, liveness: /l }\nresources: { requests: { cpu: lots, memory: 1Mi }, limits: { memory: 1Mi } }\n',
    );
    expect(() => loadServices(dir, 'staging')).toThrow(/cpu/);
    writeFileSync(
      join(dir, 'services/x.yaml'),
      'name: x\nproject: x\nport: 80\nreplicas: { production: 1 }\nprobes: { readiness: /r, liveness: /l }\nresources: { requests: { cpu: 1m, memory: 1Mi }, limits: { memory: 1Mi } }\n',
    );
    expect(() => loadServices(dir, 'staging')).toThrow(/no replica count for staging/);
  });

  it('expands ${NAME} from the environment, and names a variable that is not set', () => {
    expect(expandVariables({ context: 'kwok-${A}', load: ['--ctx', '${A}', '{{context}}'], n: 3 }, 'here', { A: 'x' })).toEqual({
      context: 'kwok-x',
      load: ['--ctx', 'x', '{{context}}'],
      n: 3,
    });
    expect(() => expandVariables({ context: '${NOPE}' }, 'environments.yaml (qa)', {})).toThrow(/environments\.yaml \(qa\): \$\{NOPE\} is not set/);
    expect(() => expandVariables('${A}', 'here', { A: '' })).toThrow(/\$\{A\} is not set/);
  });
});

describe('manifests', () => {
  const [engine] = loadServices(repoConfig, 'staging', ['execution-engine']);

  it('builds a hardened Deployment per colour with recommended labels', () => {
    const d = deploymentManifest({
      service: engine,
      environment: 'staging',
      namespace: 'ns',
      color: 'green',
      image: 'img@sha256:1',
      replicas: 2,
      revision: 'abcdef0123456789',
    });
    expect(d.metadata?.name).toBe('execution-engine-green');
    expect(d.spec?.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'execution-engine', 'trading.dev/color': 'green' });
    expect(d.metadata?.labels?.['app.kubernetes.io/version']).toBe('abcdef012345');
    const pod = d.spec!.template.spec!;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532 });
    const c = pod.containers[0];
    expect(c.image).toBe('img@sha256:1');
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(c.readinessProbe?.httpGet?.path).toBe('/healthz');
    expect(c.lifecycle?.preStop?.sleep?.seconds).toBe(5); // keeps serving until kube-proxy has moved on
    expect(c.env).toContainEqual({ name: 'PORT', value: '8080' });
    expect(c.env).toContainEqual({ name: 'RUST_LOG', value: 'info' });
    // The release a pod runs, for the service to show (the dashboard's footer): from its own label.
    expect(c.env).toContainEqual({ name: 'RELEASE_REVISION', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app.kubernetes.io/version']" } } });
  });

  it('marks pods for scraping when the service serves metrics', () => {
    const [cache] = loadServices(repoConfig, 'staging', ['cache-server']);
    const annotations = (service: typeof engine) =>
      deploymentManifest({ service, environment: 'staging', namespace: 'ns', color: 'blue', image: 'i@sha256:1', replicas: 1, revision: 'r' }).spec!.template
        .metadata!.annotations;
    expect(annotations(engine)).toEqual({ 'prometheus.io/scrape': 'true' });
    expect(annotations(cache)).toEqual({ 'prometheus.io/scrape': 'false' }); // scrape: false
  });

  it('takes secret-backed variables from Secrets, never from the repository', () => {
    const [cache] = loadServices(repoConfig, 'staging', ['cache-server']);
    const d = deploymentManifest({ service: cache, environment: 'staging', namespace: 'ns', color: 'blue', image: 'i@sha256:1', replicas: 1, revision: 'r' });
    expect(d.spec!.template.spec!.containers[0].env).toContainEqual({
      name: 'CACHE_WRITE_TOKEN',
      valueFrom: { secretKeyRef: { name: 'cache-server-tokens', key: 'write' } },
    });
  });

  it('builds the active and preview Services selecting one colour and one release', () => {
    expect(serviceManifest(engine, 'staging', 'ns', 'blue', false, 'r1').metadata?.name).toBe('execution-engine');
    const preview = serviceManifest(engine, 'staging', 'ns', 'green', true, 'r1');
    expect(preview.metadata?.name).toBe('execution-engine-preview');
    expect(preview.spec?.selector).toEqual({ 'app.kubernetes.io/name': 'execution-engine', 'trading.dev/color': 'green', 'trading.dev/release': 'r1' });
  });

  it('names a release by its whole pod template: a config change is a new release, the colour and revision are not', () => {
    const input = { service: engine, environment: 'staging', namespace: 'ns', color: 'blue' as const, image: 'i@sha256:1', replicas: 2, revision: 'r' };
    const base = releaseLabel(deploymentManifest(input));
    expect(base).toMatch(/^[0-9a-f]{12}$/);
    expect(releaseLabel(deploymentManifest({ ...input, color: 'green', revision: 'other', replicas: 3 }))).toBe(base);
    expect(releaseLabel(deploymentManifest({ ...input, image: 'i@sha256:2' }))).not.toBe(base);
    const changed = { ...engine, env: { ...engine.env, RUST_LOG: 'debug' } };
    expect(releaseLabel(deploymentManifest({ ...input, service: changed }))).not.toBe(base);
    const probes = { ...engine, probes: { ...engine.probes, readiness: '/other' } };
    expect(releaseLabel(deploymentManifest({ ...input, service: probes }))).not.toBe(base);
  });

  it('labels canary pods with the live release they share traffic with, and their own as canary-of', () => {
    const input = { service: engine, environment: 'staging', namespace: 'ns', color: 'blue' as const, image: 'i@sha256:1', replicas: 1, revision: 'r' };
    const own = releaseLabel(deploymentManifest(input));
    const labels = deploymentManifest({ ...input, canary: true, liveRelease: 'live123' }).spec!.template.metadata!.labels!;
    expect(labels).toMatchObject({ 'trading.dev/release': 'live123', 'trading.dev/canary-of': own, 'trading.dev/track': 'canary' });
  });

  it("makes the baseline from the live Deployment: same template and release, track=baseline, the canary's size, behind the active Service", () => {
    const live = deploymentManifest({
      service: engine,
      environment: 'production',
      namespace: 'ns',
      color: 'blue',
      image: 'i@sha256:1',
      replicas: 3,
      revision: 'abcdef1234567890',
    });
    const baseline = baselineManifest(live, 1);
    expect(baseline.metadata).toMatchObject({ name: 'execution-engine-baseline', namespace: 'ns' });
    expect(baseline.spec!.replicas).toBe(1);
    expect(baseline.spec!.selector.matchLabels).toEqual({ ...live.spec!.selector.matchLabels, 'trading.dev/track': 'baseline' });
    const labels = baseline.spec!.template.metadata!.labels!;
    // The active Service selects colour and release: the baseline's pods match it like the live ones.
    expect(labels).toMatchObject({
      'trading.dev/color': 'blue',
      'trading.dev/release': releaseLabel(live),
      'app.kubernetes.io/version': 'abcdef123456',
      'trading.dev/track': 'baseline',
    });
    expect(baseline.spec!.template.spec).toEqual(live.spec!.template.spec);
    expect(live.spec!.template.metadata!.labels!['trading.dev/track']).toBeUndefined(); // the live one untouched
  });

  it('restores a recorded template whole, under the same release name', () => {
    const input = { service: engine, environment: 'staging', namespace: 'ns', color: 'blue' as const, image: 'i@sha256:1', replicas: 2, revision: 'r' };
    const original = deploymentManifest({ ...input, service: { ...engine, env: { ...engine.env, RUST_LOG: 'trace' } } });
    const restored = deploymentFromTemplate({ ...input, color: 'green', template: original.spec!.template.spec! });
    expect(releaseLabel(restored)).toBe(releaseLabel(original));
    expect(restored.spec!.template.spec!.containers[0].env).toContainEqual({ name: 'RUST_LOG', value: 'trace' });
    expect(restored.metadata!.name).toBe('execution-engine-green');
  });
});

describe('wantedRelease', () => {
  const [engine] = loadServices(repoConfig, 'staging', ['execution-engine']);
  const root = () => {
    const dir = mkdtempSync(join(tmpdir(), 'records-'));
    mkdirSync(join(dir, 'dist/execution-engine'), { recursive: true });
    return dir;
  };
  const digest = `sha256:${'a'.repeat(64)}`;

  it('takes the pushed digest from the image record', () => {
    const dir = root();
    writeFileSync(join(dir, 'dist/execution-engine/image.json'), JSON.stringify({ reference: `reg/e@${digest}`, revision: 'abc' }));
    expect(wantedRelease(dir, engine)).toEqual({ service: engine, image: `reg/e@${digest}`, gitSha: 'abc' });
    // The commit's time (the record's created) comes along for the history's lead time.
    writeFileSync(
      join(dir, 'dist/execution-engine/image.json'),
      JSON.stringify({ reference: `reg/e@${digest}`, revision: 'abc', created: '2026-12-04T06:30:29.000Z' }),
    );
    expect(wantedRelease(dir, engine).commitTime).toBe('2026-12-04T06:30:29.000Z');
  });

  it('refuses a missing record, a malformed one, and one without a digest', () => {
    const dir = root();
    expect(() => wantedRelease(dir, engine)).toThrow(/no image record at dist\/execution-engine\/image.json/);
    writeFileSync(join(dir, 'dist/execution-engine/image.json'), '{');
    expect(() => wantedRelease(dir, engine)).toThrow(/not valid JSON/);
    writeFileSync(join(dir, 'dist/execution-engine/image.json'), JSON.stringify({ reference: null, revision: 'abc' }));
    expect(() => wantedRelease(dir, engine)).toThrow(/has no image digest/);
  });
});
