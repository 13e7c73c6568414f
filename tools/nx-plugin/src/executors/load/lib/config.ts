import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';

const path = z.string().regex(/^\/\S*$/, 'a path starting with /');

/**
 * One endpoint: a path (GET), or a request with a method, a JSON body and its own arrival rate
 * (the order path: `{ method: POST, path: /api/orders, body: {...}, rate: 600 }`).
 */
export const endpointSchema = z.union([
  path,
  z
    .object({
      path,
      method: z.enum(['GET', 'POST']),
      body: z.record(z.string(), z.unknown()).optional(),
      rate: z.number().positive().optional(),
    })
    .strict(),
]);

/** A project's load.yaml: what to request, at what arrival rate, by how many users, and the bar. */
export const loadConfigSchema = z
  .object({
    endpoints: z.array(endpointSchema).min(1),
    /** Requests per second sent to each endpoint, whatever the answers take (open model). */
    rate: z.number().positive(),
    /** Concurrent connections (users) the generator keeps open. */
    users: z.number().int().positive().max(10_000),
    durationSeconds: z.number().positive().max(600),
    /** The run fails when the 95th percentile latency is at or above this. */
    p95Ms: z.number().positive(),
  })
  .strict();

export type LoadConfig = z.infer<typeof loadConfigSchema>;

/** An endpoint as the run sends it: its label in the report, method, JSON body and rate. */
export interface Endpoint {
  label: string;
  path: string;
  method: 'GET' | 'POST';
  body?: Record<string, unknown>;
  rate: number;
}

export function endpointsOf(config: LoadConfig): Endpoint[] {
  return config.endpoints.map((e) =>
    typeof e === 'string'
      ? { label: e, path: e, method: 'GET' as const, rate: config.rate }
      : { label: e.method === 'GET' ? e.path : `${e.method} ${e.path}`, path: e.path, method: e.method, body: e.body, rate: e.rate ?? config.rate },
  );
}

export class LoadConfigError extends Error {}

export function parseLoadConfig(text: string, file: string): LoadConfig {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new LoadConfigError(`${file} is not valid YAML: ${(error as Error).message}`);
  }
  const result = loadConfigSchema.safeParse(raw);
  if (!result.success) throw new LoadConfigError(`${file}: ${z.prettifyError(result.error)}`);
  return result.data;
}

/** A project's load configuration from its file (`config`, relative to the project root). */
export function readLoadConfig(workspaceRoot: string, projectRoot: string, config: string): LoadConfig {
  const file = join(projectRoot, config);
  const path = join(workspaceRoot, file);
  if (!existsSync(path))
    throw new LoadConfigError(`${file} not found: the project's load configuration (endpoints, rate, users, duration, p95 bar) is read from it`);
  return parseLoadConfig(readFileSync(path, 'utf8'), file);
}
