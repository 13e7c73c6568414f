import type { ProjectConfiguration } from '@nx/devkit';

/** What every generator needs to know about the project it writes. */
export interface Names {
  name: string;
  projectRoot: string;
  /** The Python package (name with underscores). */
  pkg: string;
  /** The Rust crate identifier (name with underscores). */
  crate: string;
}

export type Language = 'python' | 'rust' | 'nextjs';

export function names(name: string, directory: string): Names {
  const identifier = name.replace(/-/g, '_');
  return { name, projectRoot: `${directory.replace(/\/+$/, '')}/${name}`, pkg: identifier, crate: identifier };
}

/**
 * Each language's public base, pinned by tag and digest as the generated Dockerfile names it
 * (Dependabot's docker updates move the Dockerfile's pin afterwards), and its name under a team's
 * `baseImages` registry path (tools/docker/bases.sh's names here).
 */
export const BASES = {
  python: { public: 'python:3.11-slim-bookworm@sha256:a36c24f9cbdf4fd0f52d67f0823eeac19c2028c637cecc392d97f980d4fec56b', own: 'python:3.11' },
  rust: { public: 'gcr.io/distroless/cc-debian12:nonroot@sha256:9dac0a79194e45a7da0158a9c6da57b217585af0786db3845d1f0ec1a0dd182f', own: 'runtime:bookworm' },
  nextjs: { public: 'node:24-bookworm-slim@sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d', own: 'node:24' },
} as const;

/**
 * docker-build's base option: none when the team builds from the public image its Dockerfile pins,
 * else `baseImage`, the base under the team's own registry path.
 */
export function baseImageOption(language: Language, baseImages: string): { baseImage?: string } {
  if (!baseImages) return {};
  return { baseImage: `${baseImages.replace(/\/+$/, '')}/${BASES[language].own}` };
}

const rule = (label: string, include: string) => ({ name: label, include, lines: 100, branches: 100, functions: 100 });

type Targets = NonNullable<ProjectConfiguration['targets']>;

/** lint, test (pytest with coverage reports), build (wheel) and the coverage rules of a Python project. */
function pythonTargets(n: Names, rules: ReturnType<typeof rule>[]): Targets {
  const { projectRoot } = n;
  return {
    install: { executor: '@nxlv/python:install', options: { silent: false, args: '--locked', verbose: false, debug: false } },
    lock: { executor: '@nxlv/python:lock', options: { update: false } },
    lint: {
      executor: '@nxlv/python:run-commands',
      inputs: ['pythonSources', `{projectRoot}/tests/**/*.py`],
      options: { cwd: '{projectRoot}', commands: ['uv run --locked ruff check src tests', 'uv run --locked ruff format --check src tests'], parallel: false },
    },
    test: {
      executor: '@nxlv/python:run-commands',
      inputs: ['pythonSources', `{projectRoot}/tests/**/*.py`, '^pythonSources'],
      outputs: [`{workspaceRoot}/coverage/${projectRoot}`],
      options: {
        cwd: '{projectRoot}',
        command: `uv run --locked pytest --cov --cov-report=term --cov-report=xml:../../coverage/${projectRoot}/coverage.xml --cov-report=lcov:../../coverage/${projectRoot}/lcov.info --junitxml=../../coverage/${projectRoot}/junit.xml`,
      },
    },
    build: {
      executor: '@nxlv/python:run-commands',
      inputs: ['pythonSources', '^pythonSources'],
      outputs: [`{workspaceRoot}/dist/${projectRoot}`],
      options: { cwd: '{projectRoot}', command: `uv build --wheel --out-dir ../../dist/${projectRoot}` },
    },
    // pytest-cov's Cobertura report has lines and branches, no functions.
    coverage: { options: { rules, notMeasured: ['functions'] } },
  };
}

/** build, test (cargo-llvm-cov), lint (clippy) and the coverage rules of a crate. */
function rustTargets(n: Names, rules: ReturnType<typeof rule>[], binary: boolean): Targets {
  const { name, projectRoot } = n;
  // A service's main.rs is the process wiring (serve, signals); the image's HEALTHCHECK runs it.
  const ignore = binary ? ` --ignore-filename-regex 'src/main\\.rs$'` : '';
  return {
    build: {
      executor: '@monodon/rust:build',
      outputs: binary
        ? [`{workspaceRoot}/target/debug/${name}`, `{workspaceRoot}/target/release/${name}`]
        : [`{workspaceRoot}/target/debug/lib${n.crate}.rlib`],
      configurations: { production: { release: true }, development: { release: false } },
      defaultConfiguration: binary ? 'production' : undefined,
    },
    test: {
      executor: 'nx:run-commands',
      cache: true,
      inputs: ['rustSources', '^rustSources'],
      outputs: [`{workspaceRoot}/coverage/${projectRoot}`],
      options: {
        cwd: '{workspaceRoot}',
        env: { CARGO_LLVM_COV_TARGET_DIR: `target/llvm-cov/${name}` },
        commands: [
          `mkdir -p coverage/${projectRoot}`,
          // The output also in a file: its `test result` lines are the tests run (the main job counts them).
          `bash -o pipefail -c "cargo llvm-cov --package ${name}${ignore} --lcov --output-path coverage/${projectRoot}/lcov.info 2>&1 | tee coverage/${projectRoot}/cargo-test.log"`,
          `cargo llvm-cov report --package ${name}${ignore} --summary-only`,
        ],
        parallel: false,
      },
    },
    lint: { executor: '@monodon/rust:lint', outputs: [], options: { 'all-targets': true, args: ['-D', 'warnings'] } },
    // llvm-cov on stable Rust records no branches (branch coverage needs nightly's -Z coverage-options).
    coverage: { options: { rules, notMeasured: ['branches'] } },
  };
}

/** The project.json of a generated service: the targets inference does not give it. */
export function serviceProject(language: Language, n: Names, baseImages = ''): ProjectConfiguration {
  const { name, projectRoot, pkg } = n;
  const base = baseImageOption(language, baseImages);
  const common = { name, root: projectRoot, projectType: 'application' as const };
  if (language === 'python') {
    const rules = [rule('financial calculations', `${projectRoot}/src/${pkg}/finance/**`), rule('risk management', `${projectRoot}/src/${pkg}/risk/**`)];
    return {
      ...common,
      sourceRoot: `${projectRoot}/src`,
      tags: ['lang:python', 'type:app'],
      targets: { ...pythonTargets(n, rules), 'docker-build': { options: { ...base, network: 'host' } } },
    };
  }
  if (language === 'rust') {
    const rules = [rule('financial calculations', `${projectRoot}/src/finance/**`), rule('risk management', `${projectRoot}/src/risk/**`)];
    return {
      ...common,
      sourceRoot: `${projectRoot}/src`,
      tags: ['lang:rust', 'type:app'],
      targets: { ...rustTargets(n, rules, true), 'docker-build': { options: { ...base } } },
    };
  }
  return {
    ...common,
    sourceRoot: projectRoot,
    tags: ['lang:typescript', 'type:app'],
    targets: {
      typecheck: { command: `tsc -p ${projectRoot}/tsconfig.json`, cache: true, inputs: ['default', '^production', { externalDependencies: ['typescript'] }] },
      test: jestTest(projectRoot),
      coverage: {
        options: { rules: [rule('financial calculations', `${projectRoot}/lib/finance/**`), rule('risk management', `${projectRoot}/lib/risk/**`)] },
      },
      'docker-build': { options: { ...base } },
    },
  };
}

/** The project.json of a generated library. */
export function libraryProject(language: 'python' | 'rust' | 'typescript', n: Names): ProjectConfiguration {
  const common = { name: n.name, root: n.projectRoot, projectType: 'library' as const, sourceRoot: `${n.projectRoot}/src` };
  if (language === 'python') return { ...common, tags: ['lang:python', 'type:lib'], targets: pythonTargets(n, []) };
  if (language === 'rust') return { ...common, tags: ['lang:rust', 'type:lib'], targets: rustTargets(n, [], false) };
  // lint and test are inferred (eslint.config.mjs, jest.config.cjs); coverage by our plugin.
  return {
    ...common,
    tags: ['lang:typescript', 'type:lib'],
    targets: {
      typecheck: {
        command: `tsc -p ${n.projectRoot}/tsconfig.json`,
        cache: true,
        inputs: ['default', '^production', { externalDependencies: ['typescript'] }],
      },
      test: jestTest(n.projectRoot),
    },
  };
}

/** The inferred Jest target's outputs, and its results as JSON beside the coverage (the main job counts the tests run from it). */
const jestTest = (projectRoot: string) => ({
  outputs: ['{workspaceRoot}/coverage/{projectRoot}'],
  options: { json: true, outputFile: `${'../'.repeat(projectRoot.split('/').length)}coverage/${projectRoot}/jest-results.json` },
});

/** The deploy service file (tools/deploy/services/<name>.yaml). */
export function deployServiceFile(language: Language, name: string, port: number): string {
  const memory = { python: ['128Mi', '256Mi'], rust: ['32Mi', '128Mi'], nextjs: ['128Mi', '256Mi'] }[language];
  return [
    `# ${name} (${language}), generated by nx g @trading/nx-plugin:service. Nx project \`${name}\`; its image record is dist/${name}/image.json.`,
    `name: ${name}`,
    `project: ${name}`,
    `port: ${port}`,
    'replicas: { staging: 2, production: 3 }',
    'probes: { readiness: /readyz, liveness: /healthz }',
    'resources:',
    `  requests: { cpu: 100m, memory: ${memory[0]} }`,
    `  limits: { memory: ${memory[1]} }`,
    '',
  ].join('\n');
}

/** The .dockerignore entries that let the image's build context carry what its Dockerfile copies. */
export function dockerContext(language: Language, n: Names): string[] {
  const { projectRoot, name, pkg } = n;
  if (language === 'python') return [`!${projectRoot}/pyproject.toml`, `!${projectRoot}/uv.lock`, `!${projectRoot}/src/${pkg}/**`];
  if (language === 'rust') return [`!target/release/${name}`];
  return [`!${projectRoot}/.next/standalone/**`, `!${projectRoot}/.next/static/**`, `!${projectRoot}/public/**`];
}
