import { addProjectConfiguration, readProjectConfiguration, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import serviceGenerator from './generator';
import { BASES } from '../project-config';
import { withCargoMember, withDockerContext } from '../manifest-edits';
import type { ServiceGeneratorSchema } from './schema';

const defaults = { port: 8080, description: 'A trading platform service.', directory: 'apps', skipInstall: true };

function workspace(): Tree {
  const tree = createTreeWithEmptyWorkspace();
  tree.write('.dockerignore', '**\n!apps/agents/src/**\n**/__pycache__\n');
  tree.write('Cargo.toml', '[workspace]\nresolver = "2"\nmembers = ["apps/execution-engine", "libs/market-types"]\n');
  addProjectConfiguration(tree, 'deploy', { root: 'tools/deploy', implicitDependencies: ['agents'], targets: {} });
  return tree;
}

const generate = (tree: Tree, options: Partial<ServiceGeneratorSchema> & Pick<ServiceGeneratorSchema, 'name' | 'language'>) =>
  serviceGenerator(tree, { ...defaults, ...options });

describe('service generator', () => {
  it('writes a Python service: package, tests, Dockerfile, project, deploy file and build context', async () => {
    const tree = workspace();
    await generate(tree, { name: 'quote-feed', language: 'python', port: 8100 });
    for (const file of [
      'pyproject.toml',
      'Dockerfile',
      'README.md',
      'src/quote_feed/service.py',
      'src/quote_feed/finance/__init__.py',
      'src/quote_feed/risk/__init__.py',
      'tests/test_service.py',
    ]) {
      expect(tree.exists(`apps/quote-feed/${file}`)).toBe(true);
    }
    expect(tree.read('apps/quote-feed/src/quote_feed/__main__.py', 'utf-8')).toContain('"PORT", "8100"');
    const project = readProjectConfiguration(tree, 'quote-feed');
    expect(project.targets?.coverage?.options.rules.map((r: { include: string }) => r.include)).toEqual([
      'apps/quote-feed/src/quote_feed/finance/**',
      'apps/quote-feed/src/quote_feed/risk/**',
    ]);
    expect(project.targets?.test?.options.command).toContain('--cov-report=xml:../../coverage/apps/quote-feed/coverage.xml');
    expect(tree.read('tools/deploy/services/quote-feed.yaml', 'utf-8')).toContain('port: 8100');
    expect(readProjectConfiguration(tree, 'deploy').implicitDependencies).toEqual(['agents', 'quote-feed']);
    expect(tree.read('.dockerignore', 'utf-8')).toBe(
      '**\n!apps/agents/src/**\n!apps/quote-feed/pyproject.toml\n!apps/quote-feed/uv.lock\n!apps/quote-feed/src/quote_feed/**\n**/__pycache__\n',
    );
  });

  it("builds from the public base its Dockerfile pins by default, from the team's registry path when given", async () => {
    const tree = workspace();
    await generate(tree, { name: 'quote-feed', language: 'python' });
    expect(readProjectConfiguration(tree, 'quote-feed').targets?.['docker-build']?.options.baseImage).toBeUndefined();
    const dockerfile = tree.read('apps/quote-feed/Dockerfile', 'utf-8') ?? '';
    // Pinned by tag and digest, no build argument: what Dependabot can read and update.
    expect(dockerfile.match(/^FROM .*$/gm)).toEqual([`FROM ${BASES.python.public} AS deps`, `FROM ${BASES.python.public}`]);
    expect(BASES.python.public).toMatch(/^python:3\.11-slim-bookworm@sha256:[0-9a-f]{64}$/);
    await generate(tree, { name: 'venue-router', language: 'rust', baseImages: '127.0.0.1:5000/trading-base/' });
    expect(readProjectConfiguration(tree, 'venue-router').targets?.['docker-build']?.options.baseImage).toBe('127.0.0.1:5000/trading-base/runtime:bookworm');
    expect(tree.read('apps/venue-router/Dockerfile', 'utf-8')).toContain(`FROM ${BASES.rust.public}\n`);
    await generate(tree, { name: 'blotter', language: 'nextjs', baseImages: 'europe-docker.pkg.dev/acme/bases' });
    expect(readProjectConfiguration(tree, 'blotter').targets?.['docker-build']?.options.baseImage).toBe('europe-docker.pkg.dev/acme/bases/node:24');
    expect(tree.read('apps/blotter/Dockerfile', 'utf-8')).toContain(`FROM ${BASES.nextjs.public}\n`);
  });

  it('writes a Rust service and adds it to the cargo workspace', async () => {
    const tree = workspace();
    await generate(tree, { name: 'venue-router', language: 'rust' });
    expect(tree.read('apps/venue-router/src/main.rs', 'utf-8')).toContain('venue_router::http::router');
    expect(tree.read('apps/venue-router/Dockerfile', 'utf-8')).toContain('COPY target/release/venue-router /usr/local/bin/venue-router');
    expect(tree.read('Cargo.toml', 'utf-8')).toContain('members = ["apps/execution-engine", "apps/venue-router", "libs/market-types"]');
    expect(readProjectConfiguration(tree, 'venue-router').targets?.build?.executor).toBe('@monodon/rust:build');
  });

  it('writes a Next.js service with health, readiness and metrics routes', async () => {
    const tree = workspace();
    await generate(tree, { name: 'blotter', language: 'nextjs', port: 3100 });
    for (const file of [
      'app/healthz/route.ts',
      'app/readyz/route.ts',
      'app/metrics/route.ts',
      'lib/finance/notional.ts',
      'lib/risk/limits.ts',
      'jest.config.cjs',
      'next.config.mjs',
      'public/.gitkeep',
    ]) {
      expect(tree.exists(`apps/blotter/${file}`)).toBe(true);
    }
    expect(tree.read('apps/blotter/Dockerfile', 'utf-8')).toContain('COPY apps/blotter/.next/standalone/apps/blotter ./apps/blotter');
    expect(readProjectConfiguration(tree, 'blotter').targets?.typecheck?.command).toBe('tsc -p apps/blotter/tsconfig.json');
  });

  it('refuses a name that is taken, an existing folder and an existing deploy file, writing nothing', async () => {
    const tree = workspace();
    await generate(tree, { name: 'quote-feed', language: 'python' });
    await expect(generate(tree, { name: 'quote-feed', language: 'rust' })).rejects.toThrow('a project named "quote-feed" already exists');
    tree.write('apps/orphan/notes.txt', 'x');
    await expect(generate(tree, { name: 'orphan', language: 'rust' })).rejects.toThrow('apps/orphan already exists');
    tree.write('tools/deploy/services/ghost.yaml', 'name: ghost\n');
    await expect(generate(tree, { name: 'ghost', language: 'nextjs' })).rejects.toThrow('tools/deploy/services/ghost.yaml already exists');
    expect(tree.exists('apps/ghost')).toBe(false);
    expect(tree.read('Cargo.toml', 'utf-8')).not.toContain('orphan');
  });
});

describe('withCargoMember and withDockerContext', () => {
  it('add once, keep order, and refuse a Cargo.toml without members', () => {
    const cargo = 'members = ["b", "d"]\n';
    expect(withCargoMember(cargo, 'c')).toBe('members = ["b", "c", "d"]\n');
    expect(withCargoMember(withCargoMember(cargo, 'c'), 'c')).toBe('members = ["b", "c", "d"]\n');
    expect(() => withCargoMember('[package]\n', 'c')).toThrow('no [workspace] members');
    expect(withDockerContext('**\n!a\n', ['!a'])).toBe('**\n!a\n');
    // A workspace without a .dockerignore of its own (the generator starts from '**'): the allowed
    // paths after the exclusion, or they are excluded again (the adoption test's image found no files).
    expect(withDockerContext('**\n', ['!a', '!b'])).toBe('**\n!a\n!b\n');
    expect(withDockerContext('# ours\n**\n**/__pycache__\n', ['!a'])).toBe('# ours\n**\n!a\n**/__pycache__\n');
  });
});
