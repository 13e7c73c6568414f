import { readProjectConfiguration, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import serviceGenerator from '../service/generator';
import libraryGenerator from './generator';
import type { LibraryGeneratorSchema } from './schema';

const defaults = { description: 'A shared trading library.', directory: 'libs', skipInstall: true };

async function workspace(): Promise<Tree> {
  const tree = createTreeWithEmptyWorkspace();
  tree.write('.dockerignore', '**\n**/__pycache__\n');
  tree.write('Cargo.toml', '[workspace]\nmembers = ["apps/execution-engine"]\n');
  const service = { port: 8080, description: 'svc', directory: 'apps', skipInstall: true };
  await serviceGenerator(tree, { ...service, name: 'quote-feed', language: 'python' });
  await serviceGenerator(tree, { ...service, name: 'venue-router', language: 'rust' });
  return tree;
}

const generate = (tree: Tree, options: Partial<LibraryGeneratorSchema> & Pick<LibraryGeneratorSchema, 'name' | 'language'>) =>
  libraryGenerator(tree, { ...defaults, ...options });

describe('library generator', () => {
  it('writes a Python library and wires it into a generated service: manifest, Dockerfile, build context', async () => {
    const tree = await workspace();
    await generate(tree, { name: 'pricing-core', language: 'python', dependent: 'quote-feed' });
    expect(tree.exists('libs/pricing-core/src/pricing_core/__init__.py')).toBe(true);
    expect(readProjectConfiguration(tree, 'pricing-core').projectType).toBe('library');
    const pyproject = tree.read('apps/quote-feed/pyproject.toml', 'utf-8');
    expect(pyproject).toContain('dependencies = [\n  "pricing-core",\n  "starlette==0.50.0",');
    expect(pyproject).toContain('[tool.uv.sources]\npricing-core = { path = "../../libs/pricing-core", editable = true }');
    const dockerfile = tree.read('apps/quote-feed/Dockerfile', 'utf-8') ?? '';
    expect(dockerfile).toContain('COPY libs/pricing-core/pyproject.toml libs/pricing-core/README.md /src/libs/pricing-core/');
    expect(dockerfile).toContain('--no-install-project --no-install-package pricing-core');
    expect(dockerfile).toContain('COPY libs/pricing-core/src/pricing_core /app/site/pricing_core');
    expect(tree.read('.dockerignore', 'utf-8')).toContain('!libs/pricing-core/src/pricing_core/**');
  });

  it('writes a Rust library, adds it to the workspace and to the dependent crate', async () => {
    const tree = await workspace();
    await generate(tree, { name: 'fee-model', language: 'rust', dependent: 'venue-router' });
    expect(tree.read('Cargo.toml', 'utf-8')).toContain('members = ["apps/execution-engine", "apps/venue-router", "libs/fee-model"]');
    expect(tree.read('apps/venue-router/Cargo.toml', 'utf-8')).toContain(
      '[dependencies]\nfee-model = { path = "../../libs/fee-model" }\naxum.workspace = true',
    );
    expect(readProjectConfiguration(tree, 'fee-model').targets?.test?.options.commands[1]).toBe(
      'bash -o pipefail -c "cargo llvm-cov --package fee-model --lcov --output-path coverage/libs/fee-model/lcov.info 2>&1 | tee coverage/libs/fee-model/cargo-test.log"',
    );
  });

  it('writes a TypeScript library with its path alias, an implicit dependency of a Next.js service', async () => {
    const tree = await workspace();
    await serviceGenerator(tree, { port: 3000, description: 'svc', directory: 'apps', skipInstall: true, name: 'blotter', language: 'nextjs' });
    await generate(tree, { name: 'fx-rates', language: 'typescript', dependent: 'blotter' });
    expect(tree.exists('libs/fx-rates/src/lib/basis-points.spec.ts')).toBe(true);
    expect(JSON.parse(tree.read('tsconfig.base.json', 'utf-8') ?? '{}').compilerOptions.paths['@trading/fx-rates']).toEqual(['libs/fx-rates/src/index.ts']);
    expect(readProjectConfiguration(tree, 'blotter').implicitDependencies).toEqual(['fx-rates']);
    // Jest's results beside the coverage, from the project's folder (its cwd): the main job counts the tests run from them.
    expect(readProjectConfiguration(tree, 'fx-rates').targets?.test?.options).toEqual({
      json: true,
      outputFile: '../../coverage/libs/fx-rates/jest-results.json',
    });
    expect(readProjectConfiguration(tree, 'blotter').targets?.test?.options).toEqual({
      json: true,
      outputFile: '../../coverage/apps/blotter/jest-results.json',
    });
    await expect(generate(tree, { name: 'fx-two', language: 'typescript', dependent: 'quote-feed' })).rejects.toThrow('quote-feed is not a typescript project');
  });

  it('refuses an unknown dependent, one of another language and a taken name, writing nothing', async () => {
    const tree = await workspace();
    await expect(generate(tree, { name: 'x-lib', language: 'rust', dependent: 'nowhere' })).rejects.toThrow('no project named "nowhere"');
    await expect(generate(tree, { name: 'x-lib', language: 'rust', dependent: 'quote-feed' })).rejects.toThrow('quote-feed is not a rust project');
    expect(tree.exists('libs/x-lib')).toBe(false);
    await expect(generate(tree, { name: 'quote-feed', language: 'python' })).rejects.toThrow('a project named "quote-feed" already exists');
  });
});
