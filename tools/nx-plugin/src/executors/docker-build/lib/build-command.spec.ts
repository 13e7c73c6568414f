import { buildCommand, pushedDigest, renderCommand, type BuildRequest } from './build-command';

const request: BuildRequest = {
  engine: 'docker',
  builder: 'classic',
  dockerfile: 'apps/agents/Dockerfile',
  context: '.',
  metadata: {
    repository: 'reg/agents',
    tags: ['abc', 'sha-abc'],
    labels: {
      'org.opencontainers.image.title': 'agents',
      'org.opencontainers.image.revision': 'abc',
      'org.opencontainers.image.source': 'src',
      'org.opencontainers.image.version': '1.0.0',
      'org.opencontainers.image.created': 'now',
    },
  },
  buildArgs: { PYTHON_IMAGE: 'base:1' },
  network: 'host',
  cacheFrom: ['type=registry,ref=reg/agents:cache'],
  cacheTo: [],
};

describe('buildCommand', () => {
  it('uses the classic builder with every tag, label and build argument, and reports ignored BuildKit options', () => {
    const cmd = buildCommand(request);
    expect(cmd.command).toBe('docker');
    expect(cmd.env).toEqual({ DOCKER_BUILDKIT: '0' });
    expect(cmd.ignored).toEqual(['cacheFrom (BuildKit only)']);
    expect(cmd.args).toEqual([
      'build',
      '--file',
      'apps/agents/Dockerfile',
      '--tag',
      'reg/agents:abc',
      '--tag',
      'reg/agents:sha-abc',
      '--build-arg',
      'VERSION=1.0.0',
      '--build-arg',
      'REVISION=abc',
      '--build-arg',
      'SOURCE=src',
      '--build-arg',
      'CREATED=now',
      '--build-arg',
      'PYTHON_IMAGE=base:1',
      '--label',
      'org.opencontainers.image.title=agents',
      '--label',
      'org.opencontainers.image.revision=abc',
      '--label',
      'org.opencontainers.image.source=src',
      '--label',
      'org.opencontainers.image.version=1.0.0',
      '--label',
      'org.opencontainers.image.created=now',
      '--network',
      'host',
      '.',
    ]);
  });

  it('passes --label only for the labels the Dockerfile does not set itself from the build arguments', () => {
    const cmd = buildCommand({ ...request, labelsInDockerfile: ['org.opencontainers.image.version', 'org.opencontainers.image.created', 'other'] });
    const labels = cmd.args.flatMap((arg, i) => (cmd.args[i - 1] === '--label' ? [arg.split('=')[0]] : []));
    expect(labels).toEqual(['org.opencontainers.image.title', 'org.opencontainers.image.revision', 'org.opencontainers.image.source']);
    expect(cmd.args).toContain('CREATED=now');
  });

  it('uses buildx with cache options and a metadata file under BuildKit', () => {
    const cmd = buildCommand({ ...request, builder: 'buildkit', cacheTo: ['type=inline'], metadataFile: 'meta.json', target: 'build' });
    expect(cmd.args.slice(0, 4)).toEqual(['buildx', 'build', '--output', 'type=docker,rewrite-timestamp=true']);
    expect(cmd.args.slice(6, 15)).toEqual([
      '--metadata-file',
      'meta.json',
      '--cache-from',
      'type=registry,ref=reg/agents:cache',
      '--cache-to',
      'type=inline',
      '--file',
      'apps/agents/Dockerfile',
      '--tag',
    ]);
    expect(cmd.args).toContain('--target');
    expect(cmd.args.join(' ')).toContain('--network host --allow network.host');
    expect(cmd.ignored).toEqual([]);
    expect(cmd.env).toEqual({});
  });

  it("under BuildKit, every time in the image is 0: SOURCE_DATE_EPOCH=0 and the layers' file times rewritten", () => {
    const cmd = buildCommand({ ...request, builder: 'buildkit' });
    expect(cmd.args.slice(0, 6)).toEqual(['buildx', 'build', '--output', 'type=docker,rewrite-timestamp=true', '--build-arg', 'SOURCE_DATE_EPOCH=0']);
    // When it was made stays in the created label.
    expect(cmd.args).toContain('org.opencontainers.image.created=now');
  });

  it('asks podman for Docker-format images', () => {
    const cmd = buildCommand({ ...request, engine: 'podman', cacheFrom: [], cacheTo: ['x'] });
    expect(cmd.command).toBe('podman');
    expect(cmd.args.slice(0, 3)).toEqual(['build', '--format', 'docker']);
    expect(cmd.ignored).toEqual(['cacheTo (BuildKit only)']);
  });

  it('renders a copy-pasteable command', () => {
    expect(renderCommand('docker', ['build', '--label', 'a=b c', "it's"], { DOCKER_BUILDKIT: '0' })).toBe(
      `DOCKER_BUILDKIT=0 docker build --label 'a=b c' 'it'\\''s'`,
    );
  });

  it('finds the digest a push reported', () => {
    const hex = 'a'.repeat(64);
    expect(pushedDigest(`latest: digest: sha256:${hex} size: 528`)).toBe(`sha256:${hex}`);
    expect(pushedDigest('error')).toBeUndefined();
  });
});
