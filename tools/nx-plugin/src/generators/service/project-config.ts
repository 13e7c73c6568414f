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

export function names(name: string, directory: string): Names {
  return { name, projectRoot: `${directory.replace(/\/+$/, '')}/${name}`, pkg: name.replace(/-/g, '_'), crate: name.replace(/-/g, '_') };
}

const BASES = {
  python: { PYTHON_IMAGE: '127.0.0.1:5000/trading-base/python:3.11' },
  rust: { RUNTIME_IMAGE: '127.0.0.1:5000/trading-base/runtime:bookworm' },
  nextjs: { NODE_IMAGE: '127.0.0.1:5000/trading-base/node:24' },
} as const;

const rule = (label: string, include: string) => ({ name: label, include, lines: 100, branches: 100, functions: 100 });

/** The project.json of a generated service: the targets inference does not give it. */
export function serviceProject(language: 'python' | 'rust' | 'nextjs', n: Names): ProjectConfiguration {
  const { name, projectRoot, pkg } = n;
  const common = { root: projectRoot, projectType: 'application' as const };
  if (language === 'python') {
    return {
      ...common,
      name,
      sourceRoot: `${projectRoot}/src`,
      tags: ['lang:python', 'type:app'],
      targets: {
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
        coverage: { options: { rules: [rule('financial calculations', `${projectRoot}/src/${pkg}/finance/**`), rule('risk management', `${projectRoot}/src/${pkg}/risk/**`)] } },
        'docker-build': { options: { buildArgs: { ...BASES.python }, network: 'host' } },
      },
    };
  }
  if (language === 'rust') {
    return {
      ...common,
      name,
      sourceRoot: `${projectRoot}/src`,
      tags: ['lang:rust', 'type:app'],
      targets: {
        build: {
          executor: '@monodon/rust:build',
          outputs: [`{workspaceRoot}/target/debug/${name}`, `{workspaceRoot}/target/release/${name}`],
          configurations: { production: { release: true }, development: { release: false } },
          defaultConfiguration: 'production',
        },
        test: {
          executor: 'nx:run-commands',
          cache: true,
          inputs: ['rustSources', '^rustSources'],
          outputs: [`{workspaceRoot}/coverage/${projectRoot}`],
          options: {
            cwd: '{workspaceRoot}',
            env: { CARGO_LLVM_COV_TARGET_DIR: `target/llvm-cov/${name}` },
            // main.rs is the process wiring (serve, signals); the image's HEALTHCHECK runs it.
            commands: [
              `mkdir -p coverage/${projectRoot}`,
              `cargo llvm-cov --package ${name} --ignore-filename-regex 'src/main\\.rs$' --lcov --output-path coverage/${projectRoot}/lcov.info`,
              `cargo llvm-cov report --package ${name} --ignore-filename-regex 'src/main\\.rs$' --summary-only`,
            ],
            parallel: false,
          },
        },
        lint: { executor: '@monodon/rust:lint', outputs: [], options: { 'all-targets': true, args: ['-D', 'warnings'] } },
        coverage: { options: { rules: [rule('financial calculations', `${projectRoot}/src/finance/**`), rule('risk management', `${projectRoot}/src/risk/**`)] } },
        'docker-build': { options: { buildArgs: { ...BASES.rust } } },
      },
    };
  }
  return {
    ...common,
    name,
    sourceRoot: projectRoot,
    tags: ['lang:typescript', 'type:app'],
    targets: {
      typecheck: { command: `tsc -p ${projectRoot}/tsconfig.json`, cache: true, inputs: ['default', '^production', { externalDependencies: ['typescript'] }] },
      test: { outputs: [`{workspaceRoot}/coverage/{projectRoot}`] },
      coverage: { options: { rules: [rule('financial calculations', `${projectRoot}/lib/finance/**`), rule('risk management', `${projectRoot}/lib/risk/**`)] } },
      'docker-build': { options: { buildArgs: { ...BASES.nextjs } } },
    },
  };
}

/** The deploy service file (tools/deploy/services/<name>.yaml). */
export function deployServiceFile(language: 'python' | 'rust' | 'nextjs', name: string, port: number): string {
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
export function dockerContext(language: 'python' | 'rust' | 'nextjs', n: Names): string[] {
  const { projectRoot, name, pkg } = n;
  if (language === 'python') return [`!${projectRoot}/pyproject.toml`, `!${projectRoot}/uv.lock`, `!${projectRoot}/src/${pkg}/**`];
  if (language === 'rust') return [`!target/release/${name}`];
  return [`!${projectRoot}/.next/standalone/**`, `!${projectRoot}/.next/static/**`, `!${projectRoot}/public/**`];
}

/** Root Cargo.toml with one more workspace member (members kept sorted), or unchanged. */
export function withCargoMember(cargoToml: string, member: string): string {
  const match = /^members\s*=\s*\[([^\]]*)\]/m.exec(cargoToml);
  if (!match) throw new Error('the root Cargo.toml has no [workspace] members = [...] line to add the crate to');
  const members = [...match[1].matchAll(/"([^"]+)"/g)].map((m) => m[1]);
  if (members.includes(member)) return cargoToml;
  const line = `members = [${[...members, member].sort().map((m) => `"${m}"`).join(', ')}]`;
  return cargoToml.replace(match[0], line);
}

/** .dockerignore with the entries added after its last re-include (before the closing excludes). */
export function withDockerContext(dockerignore: string, entries: string[]): string {
  const lines = dockerignore.split('\n');
  const missing = entries.filter((e) => !lines.includes(e));
  if (!missing.length) return dockerignore;
  const last = lines.map((l) => l.startsWith('!')).lastIndexOf(true);
  lines.splice(last + 1, 0, ...missing);
  return lines.join('\n');
}
