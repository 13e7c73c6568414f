import fc from 'fast-check';
import { join } from 'node:path';
import { deployService } from '../commands/deploy/deploy-loop';
import { soak, type PromotionContext } from '../commands/deploy/promotion';
import { decide, type DecisionContext } from '../commands/decision/run-decision';
import { rollbackService } from '../commands/rollback/run-rollback';
import { loadAnalysisMetrics, loadEnvironment, loadServices, type EnvironmentConfig, type ServiceConfig } from '../config/config';
import { HISTORY_LIMIT, live, type Release } from '@trading/release-model';
import type { Kube } from '../act/kube';
import { type Color, deploymentManifest, releaseLabel } from '../config/manifests';
import { UNJUDGED } from '../status/release-state';
import { Crash, MemoryApi } from './memory-api';

// The model of issue 17's property test: commands (deploy, rerun, rollback, abort with crashes and
// API errors) run through the real executors' code against a Kube, and the invariants checked
// after each. The in-memory API (memory-api.ts) runs hundreds of sequences; the cluster spec runs a
// fixed one against the real API server and compares the outcome.
const configDir = join(__dirname, '../../../../deploy');
const [agents] = loadServices(configDir, 'staging', ['agents']);
const metrics = loadAnalysisMetrics(configDir);
const base = loadEnvironment(configDir, 'staging');
export const modelEnv = (namespace: string, rolloutTimeoutSeconds: number): EnvironmentConfig => ({
  ...base,
  namespace,
  rolloutTimeoutSeconds,
  scaleDownDelaySeconds: 0,
  analysis: { ...base.analysis!, intervalSeconds: 1, soakSeconds: 3, windowSeconds: 1, inconclusiveLimit: 0, onInconclusive: 'halt' },
});

export type Verdict = 'pass' | 'fail' | 'inconclusive';
/** An operator's command that meets the deploy in the middle: before its switch, or in its soak. */
export type During = 'abort-before-switch' | 'abort-in-soak' | 'promote-in-soak';
export type Command =
  | { kind: 'deploy'; variant: number; verdict: Verdict; broken: boolean; crashAfter: number | null; fault: string | null; during?: During | null }
  | { kind: 'rerun' }
  | { kind: 'rollback'; crashAfter: number | null; fault: string | null }
  | { kind: 'abort'; crashAfter: number | null };

const FAULTS = ['replaceNamespacedService', 'patchNamespacedDeployment', 'ConfigMap', 'listNamespacedEndpointSlice', 'readNamespacedDeployment'];
const crash = fc.option(fc.integer({ min: 1, max: 8 }), { nil: null });
export const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('deploy' as const),
      variant: fc.integer({ min: 0, max: 3 }),
      verdict: fc.constantFrom<Verdict>('pass', 'pass', 'fail', 'inconclusive'),
      broken: fc.constantFrom(false, false, false, false, true),
      crashAfter: crash,
      fault: fc.option(fc.constantFrom(...FAULTS), { nil: null, freq: 4 }),
      during: fc.option(fc.constantFrom<During>('abort-before-switch', 'abort-in-soak', 'promote-in-soak'), { nil: null, freq: 3 }),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'rerun' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('rollback' as const), crashAfter: crash, fault: fc.option(fc.constantFrom(...FAULTS), { nil: null, freq: 4 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('abort' as const), crashAfter: crash }) },
);

/** A variant is a config change (a new release of the same image) or a new image. */
const serviceOf = (variant: number): ServiceConfig => ({ ...agents, env: { ...agents.env, MODEL_VARIANT: String(variant % 2) } });
const imageOf = (variant: number) => `reg.local/trading/agents@sha256:${String(Math.floor(variant / 2)).repeat(64)}`;
export const releaseOf = (variant: number) =>
  releaseLabel(
    deploymentManifest({
      service: serviceOf(variant),
      environment: 'staging',
      namespace: 'model',
      color: 'blue',
      image: imageOf(variant),
      replicas: 2,
      revision: 'r',
    }),
  );

export interface Hooks {
  beforeSwitch?: (to: Color, from: Color, liveRelease: string) => Promise<void>;
  duringSoak?: () => Promise<void>;
}

export class World {
  clock = 0;
  /** What the deploys logged, in order. */
  readonly logs: string[] = [];
  last: { variant: number } | null = null;
  /** Analysis time is the model's clock; the loops' polling waits `pollMs` of real time (0 in memory). */
  readonly sleep = async (ms: number) => {
    this.clock += ms;
    await new Promise((r) => (this.pollMs ? setTimeout(r, Math.min(ms, this.pollMs)) : setImmediate(r)));
  };

  /** `api` is the in-memory API server behind `kube`, or null when `kube` is a real cluster. */
  constructor(
    readonly kube: Kube,
    readonly env: EnvironmentConfig,
    readonly api: MemoryApi | null,
    private readonly pollMs = 0,
  ) {}

  private promotion(variant: number, verdict: Verdict, during?: Hooks['duringSoak']): PromotionContext {
    const value = { pass: { value: 0 }, fail: { value: 1 }, inconclusive: { inconclusive: 'no data (model)' } }[verdict];
    return {
      kube: this.kube,
      wanted: { service: serviceOf(variant), image: imageOf(variant), gitSha: 'model' },
      environment: 'staging',
      env: this.env,
      metrics,
      source: {
        query: async () => {
          await during?.();
          return value;
        },
      },
      actor: 'model',
      log: () => undefined,
      sleep: this.sleep,
      now: () => this.clock,
    };
  }

  /** `hooks` let a test act in the middle of a deploy: before its switch, or in each soak round. */
  deploy(variant: number, verdict: Verdict, hooks: Hooks = {}) {
    this.last = { variant };
    return deployService(
      this.kube,
      { service: serviceOf(variant), image: imageOf(variant), gitSha: 'model' },
      {
        environment: 'staging',
        env: this.env,
        actor: 'model',
        log: (m) => this.logs.push(m),
        sleep: this.sleep,
        soak: soak(this.promotion(variant, verdict, hooks.duringSoak)),
        beforeSwitch: hooks.beforeSwitch,
        soakMs: this.env.analysis!.soakSeconds * 1000,
      },
    );
  }

  /** The hooks that run an operator's abort or promote once, in the middle of a deploy. */
  private during(during: During | null, ctx: DecisionContext): Hooks {
    if (!during) return {};
    let done = false;
    const once = (decision: 'abort' | 'promote') => async () => {
      if (done) return;
      done = true;
      try {
        await decide(this.kube, agents, { decision, environment: 'staging', services: ['agents'], all: false, reason: 'model', configDir: '' }, ctx);
      } catch (error) {
        if (error instanceof Crash) throw error; // another process's failure is not the deploy's
      }
    };
    if (during === 'abort-before-switch') return { beforeSwitch: once('abort') };
    return { duringSoak: once(during === 'abort-in-soak' ? 'abort' : 'promote') };
  }

  async run(cmd: Command): Promise<string> {
    const api = this.api ?? new MemoryApi(); // faults are injected in memory only
    api.crashAfterWrites = 'crashAfter' in cmd && cmd.crashAfter !== null ? api.writes + cmd.crashAfter : Number.POSITIVE_INFINITY;
    api.failNext = 'fault' in cmd && cmd.fault ? new RegExp(cmd.fault) : null;
    const ctx = { workspaceRoot: '', env: {}, log: () => undefined, actor: 'model', sleep: this.sleep };
    try {
      switch (cmd.kind) {
        case 'deploy':
          // A template whose new pods never get ready (a bad image or probe); not one already running.
          if (cmd.broken && this.api && !api.allPods().some((p) => p.labels['trading.dev/release'] === releaseOf(cmd.variant)))
            api.broken.add(releaseOf(cmd.variant));
          await this.deploy(cmd.variant, cmd.verdict, this.during(cmd.during ?? null, ctx));
          break;
        case 'rerun':
          if (!this.last) return 'nothing to rerun';
          await this.deploy(this.last.variant, 'pass');
          break;
        case 'rollback':
          await rollbackService(this.kube, agents, 'staging', ctx, 'model', this.env.rolloutTimeoutSeconds * 1000);
          break;
        case 'abort':
          await decide(this.kube, agents, { decision: 'abort', environment: 'staging', services: ['agents'], all: false, reason: 'model', configDir: '' }, ctx);
          break;
      }
      return 'ok';
    } catch (error) {
      return error instanceof Crash ? 'crash' : `error: ${(error as Error).message}`;
    } finally {
      api.crashAfterWrites = Number.POSITIVE_INFINITY;
      api.failNext = null;
    }
  }

  /** The promise: traffic only on ready pods of the one release the active Service names, never dark. */
  checkTraffic(trace: string[]): void {
    if (!this.api) return;
    const svc = this.api.service('agents');
    if (!svc) return;
    const selector = svc.spec!.selector!;
    const behind = this.api
      .allPods()
      .filter((p) => Object.entries(selector).every(([k, v]) => p.labels[k] === v) && p.labels['trading.dev/track'] !== 'canary');
    const where = `\n${trace.join('\n')}\nselector ${JSON.stringify(selector)}`;
    if (behind.length === 0) throw new Error(`the active Service selects no pod (dark)${where}`);
    if (!behind.every((p) => p.ready)) throw new Error(`the active Service selects a pod that is not ready${where}`);
    const releases = new Set(behind.map((p) => p.labels['trading.dev/release']));
    if (releases.size !== 1 || !releases.has(selector['trading.dev/release']))
      throw new Error(`the active Service selects pods of ${[...releases].join(', ')}${where}`);
  }

  /** After a clean rerun that finished: the history records what is live, and nothing is left unjudged. */
  checkSettled(trace: string[]): void {
    if (!this.api) return;
    const svc = this.api.service('agents');
    if (!svc) return;
    const history = this.api.history('agents') as Release[];
    const where = `\n${trace.join('\n')}`;
    if (live(history)?.release !== svc.spec!.selector!['trading.dev/release'])
      throw new Error(`the history's live release is ${live(history)?.release}, the Service selects ${svc.spec!.selector!['trading.dev/release']}${where}`);
    if (history.length > HISTORY_LIMIT) throw new Error(`history holds ${history.length} entries${where}`);
    const phase = svc.metadata!.annotations?.['trading.dev/phase'];
    if (phase && UNJUDGED.includes(phase as never)) throw new Error(`a clean rerun left the release ${phase}${where}`);
  }

  /** Releases the model saw promoted (a soak passed, or an operator accepted them). */
  private readonly judged = new Set<string>();

  /**
   * Traffic goes back only to a judged release: after an abort, a switch-back or a rollback
   * (phase Aborted, RolledBack) the Service selects a release that was promoted before; otherwise
   * it is being judged (Soaking, Halted) or was just promoted.
   */
  checkJudged(trace: string[]): void {
    if (!this.api) return;
    const svc = this.api.service('agents');
    const phase = svc?.metadata?.annotations?.['trading.dev/phase'];
    const release = svc?.spec?.selector?.['trading.dev/release'];
    if (!svc || !phase || !release) return;
    if (phase === 'Promoted') this.judged.add(release);
    else if (!UNJUDGED.includes(phase as never) && !this.judged.has(release))
      throw new Error(`traffic went back (${phase}) to release ${release}, which nobody judged\n${trace.join('\n')}`);
  }

  /** A deploy refused because the live release is not judged yet: the Service does record it so. */
  checkUnjudged(trace: string[]): void {
    if (!this.api) return;
    const phase = this.api.service('agents')?.metadata?.annotations?.['trading.dev/phase'];
    if (!phase || !UNJUDGED.includes(phase as never)) throw new Error(`refused as not judged, but the phase is ${phase}\n${trace.join('\n')}`);
  }

  /** What an operator sees, for comparing a memory run with a cluster run of the same commands. */
  async outcome(): Promise<{ color: string | null; release: string; phase: string | null; live: string | undefined }> {
    const o = await this.kube.observe('agents');
    const history = await this.kube.readHistory('agents');
    return { color: o.active, release: o.activeRelease, phase: o.state?.phase ?? null, live: live(history)?.release };
  }
}
