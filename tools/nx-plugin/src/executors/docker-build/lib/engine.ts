import type { Builder } from './build-command';
import { pushedDigest } from './build-command';
import { parseBuildxInspect, usableForBuildKit } from './buildx';
import { runProcess, tail, type ProcessResult } from './process';

/** The container engine behind one small interface: Docker (BuildKit or classic) or Podman. */
export interface ContainerEngine {
  readonly name: 'docker' | 'podman';
  /** Throws an actionable error when the engine's daemon cannot be reached. */
  ping(): Promise<string>;
  pickBuilder(preference: 'auto' | Builder): Promise<Builder>;
  run(args: string[], env: Record<string, string>, onLine: (line: string) => void): Promise<ProcessResult>;
  inspect(reference: string): Promise<ImageFacts>;
  /** Pushes one tag and returns the manifest digest the registry reported. */
  push(reference: string, onLine: (line: string) => void): Promise<string>;
}

export interface ImageFacts {
  id: string;
  size: number;
  labels: Record<string, string>;
}

export interface ImageFacts {
  id: string;
  size: number;
  labels: Record<string, string>;
}

export const START_HINT = 'Start the local engine and registry with `npx nx run docker-env:up` (bash tools/docker/daemon.sh up), or set DOCKER_HOST.';

export class CliEngine implements ContainerEngine {
  constructor(
    readonly name: 'docker' | 'podman',
    private readonly cwd: string,
  ) {}

  async ping(): Promise<string> {
    const result = await runProcess(this.name, ['version', '--format', '{{.Server.Version}}'], { cwd: this.cwd });
    if (result.code === 127) throw new Error(`${this.name} is not installed (${result.output.trim()}). Install it: bash tools/docker/install.sh`);
    if (result.code !== 0) {
      throw new Error(`the ${this.name} daemon is not reachable:\n${tail(result.output, 5)}\n${START_HINT}`);
    }
    return result.output.trim();
  }

  async pickBuilder(preference: 'auto' | Builder): Promise<Builder> {
    if (this.name === 'podman' || preference === 'classic') return 'classic';
    const inspect = await runProcess('docker', ['buildx', 'inspect'], { cwd: this.cwd });
    const current = inspect.code === 0 ? parseBuildxInspect(inspect.output) : undefined;
    if (usableForBuildKit(current)) return 'buildkit';
    if (preference === 'buildkit') {
      const found = current
        ? `the current builder "${current.name}" is ${current.running ? `the ${current.driver} driver` : 'not running'}`
        : 'the docker buildx plugin is not installed';
      throw new Error(
        `builder "buildkit" needs a running buildx builder of its own, but ${found}. ` +
          'Start the local BuildKit daemon and make it your builder (bash tools/docker/daemon.sh up && bash tools/docker/buildx-builder.sh), or use builder "auto" or "classic"',
      );
    }
    return 'classic';
  }

  run(args: string[], env: Record<string, string>, onLine: (line: string) => void): Promise<ProcessResult> {
    return runProcess(this.name, args, { cwd: this.cwd, env, onLine });
  }

  async inspect(reference: string): Promise<ImageFacts> {
    const format = '[{{json .Id}},{{json .Size}},{{json .Config.Labels}}]';
    const result = await runProcess(this.name, ['image', 'inspect', '--format', format, reference], { cwd: this.cwd });
    if (result.code !== 0) throw new Error(`cannot inspect ${reference}: ${tail(result.output, 3)}`);
    const [id, size, labels] = JSON.parse(result.output.trim()) as [string, number, Record<string, string> | null];
    return { id, size, labels: labels ?? {} };
  }

  async push(reference: string, onLine: (line: string) => void): Promise<string> {
    const result = await runProcess(this.name, ['push', reference], { cwd: this.cwd, onLine });
    if (result.code !== 0) {
      throw new Error(`the registry refused the push of ${reference}:\n${tail(result.output, 10)}`);
    }
    const digest = pushedDigest(result.output);
    if (!digest) throw new Error(`push of ${reference} reported no digest:\n${tail(result.output, 5)}`);
    return digest;
  }
}
