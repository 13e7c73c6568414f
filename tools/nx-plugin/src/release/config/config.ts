import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { databaseSchema } from './database';
import { analysisFileSchema, canarySchema, environmentAnalysisSchema, serviceAnalysisSchema, type ComparisonSpec, type MetricSpec } from '../analysis/schema';

const quantity = z.string().regex(/^\d+(\.\d+)?(m|Ki|Mi|Gi)?$/, 'a Kubernetes quantity such as 100m or 128Mi');

export const serviceSchema = z.object({
  name: z.string().regex(/^[a-z]([a-z0-9-]{0,40}[a-z0-9])?$/, 'a DNS label'),
  project: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  replicas: z.record(z.string(), z.number().int().min(1).max(50)),
  probes: z.object({ readiness: z.string().startsWith('/'), liveness: z.string().startsWith('/') }),
  /** What the analysis' load generator requests ({{path}}); default: the readiness probe's path. */
  loadPath: z.string().startsWith('/').optional(),
  /**
   * The analysis load's request mix ({{requests}}, sent in turn), when it is more than a GET of
   * loadPath: e.g. the engine's orders on its synthetic instrument, so a canary is judged on the
   * write path too. A body's string values may hold {n}, {side} and {run} (tools/load/traffic.mjs).
   */
  loadRequests: z
    .array(
      z.object({
        method: z.enum(['GET', 'POST']).default('GET'),
        path: z.string().startsWith('/'),
        body: z.record(z.string(), z.unknown()).optional(),
      }),
    )
    .min(1)
    .optional(),
  resources: z.object({
    requests: z.object({ cpu: quantity, memory: quantity }),
    limits: z.object({ memory: quantity, cpu: quantity.optional() }),
  }),
  env: z.record(z.string(), z.string()).default({}),
  /**
   * The project's migrations.yaml (workspace-relative) when the service keeps state in the
   * environment's database: its expand migrations run by a Job before each release starts.
   */
  migrations: z.string().endsWith('migrations.yaml').optional(),
  /** Environment variables from Kubernetes Secrets: NAME: { secret, key }. Values never live in the repo. */
  secretEnv: z.record(z.string(), z.object({ secret: z.string().min(1), key: z.string().min(1) })).default({}),
  /**
   * Its pods read the namespace's releases (the dashboard's Deployments page): they run as a
   * ServiceAccount of their own, bound to a Role that can only get, list and watch what the release
   * model reads (config/release-reader.ts); every other service runs without a token.
   */
  readsReleases: z.boolean().default(false),
  /** Serves Prometheus metrics at /metrics: its pods are scraped (by annotation). */
  scrape: z.boolean().default(true),
  /** Which analysis metrics apply and where this service's thresholds differ (default: all, as defined). */
  analysis: serviceAnalysisSchema.optional(),
});
export type ServiceConfig = z.infer<typeof serviceSchema>;

export const environmentSchema = z.object({
  namespace: z.string().regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/),
  /** The kubeconfig context when neither --context nor DEPLOY_CONTEXT names one; none for a remote cluster (production). */
  context: z.string().min(1).optional(),
  rolloutTimeoutSeconds: z.number().int().min(1),
  scaleDownDelaySeconds: z.number().int().min(0),
  /** SLO analysis during the canary and the post-promotion soak (tools/deploy/analysis.yaml). */
  analysis: environmentAnalysisSchema.optional(),
  /** A canary of the new version behind the active Service before the blue-green swap. */
  canary: canarySchema.optional(),
  /** Every release here is judged: `--skipAnalysis` is refused (production). */
  requireAnalysis: z.boolean().default(false),
  /** Every image deployed here carries its SBOM and build provenance, verified first (production). */
  requireAttestations: z.boolean().default(false),
  /** Where the services keep their trading state (release/database.ts); ensured before they roll. */
  database: databaseSchema.optional(),
  /**
   * Chat notifications of every release phase (act/notify.ts): the name of the environment
   * variable holding the webhook's URL (a secret: never the URL itself). Unset: logged only.
   */
  notify: z.object({ webhookVariable: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name') }).optional(),
});
export type EnvironmentConfig = z.infer<typeof environmentSchema>;

export class DeployConfigError extends Error {}

function readYaml(path: string): unknown {
  if (!existsSync(path)) throw new DeployConfigError(`${path} not found`);
  try {
    return parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new DeployConfigError(`${path} is not valid YAML: ${(error as Error).message}`);
  }
}

function validate<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new DeployConfigError(`${where}: ${z.prettifyError(result.error)}`);
  return result.data;
}

/**
 * `${NAME}` in a string of environments.yaml is the environment variable NAME (the local cluster's
 * context is LOCAL_CLUSTER_CONTEXT, from the workspace's .env, which Nx loads into every task). An
 * unset one is an error naming it: a deploy never guesses its cluster.
 */
export function expandVariables(value: unknown, where: string, env: NodeJS.ProcessEnv = process.env): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const found = env[name];
      if (!found)
        throw new DeployConfigError(`${where}: \${${name}} is not set (nx loads it from the workspace's .env into every task; set it, or run through nx)`);
      return found;
    });
  }
  if (Array.isArray(value)) return value.map((v) => expandVariables(v, where, env));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandVariables(v, where, env)]));
  return value;
}

export function loadEnvironment(configDir: string, name: string): EnvironmentConfig {
  const path = join(configDir, 'environments.yaml');
  const all = readYaml(path) as Record<string, unknown> | null;
  if (!all || typeof all !== 'object' || !(name in all)) {
    throw new DeployConfigError(`unknown environment "${name}": ${path} defines ${Object.keys(all ?? {}).join(', ') || 'none'}`);
  }
  return validate(environmentSchema, expandVariables(all[name], `${path} (${name})`), `${path} (${name})`);
}

/** Every environment in environments.yaml, each validated. */
export function loadEnvironments(configDir: string): Record<string, EnvironmentConfig> {
  const path = join(configDir, 'environments.yaml');
  const all = readYaml(path) as Record<string, unknown> | null;
  if (!all || typeof all !== 'object') throw new DeployConfigError(`${path} defines no environment`);
  return Object.fromEntries(
    Object.entries(all).map(([name, value]) => [name, validate(environmentSchema, expandVariables(value, `${path} (${name})`), `${path} (${name})`)]),
  );
}

export function loadServices(configDir: string, environment: string, only?: string[]): ServiceConfig[] {
  const dir = join(configDir, 'services');
  const files = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.yaml'))
        .sort()
    : [];
  const services = files.map((f) => validate(serviceSchema, readYaml(join(dir, f)), join(dir, f)));
  for (const s of services) {
    if (!(environment in s.replicas)) throw new DeployConfigError(`service ${s.name} has no replica count for ${environment}`);
  }
  if (!only?.length) return services;
  const known = new Set(services.map((s) => s.name));
  const unknown = only.filter((n) => !known.has(n));
  if (unknown.length) throw new DeployConfigError(`unknown service(s) ${unknown.join(', ')}: known are ${[...known].join(', ')}`);
  return services.filter((s) => only.includes(s.name));
}

/** The analysis metric templates (analysis.yaml in the config folder). */
export function loadAnalysisMetrics(configDir: string): MetricSpec[] {
  return loadAnalysis(configDir).metrics;
}

/** analysis.yaml: the SLO metrics and the canary-versus-baseline comparisons. */
export function loadAnalysis(configDir: string): { metrics: MetricSpec[]; comparisons: ComparisonSpec[] } {
  const path = join(configDir, 'analysis.yaml');
  return validate(analysisFileSchema, readYaml(path), path);
}
