import type { z } from 'zod';
import { ApiError } from './api-error';
import { endpoints, type Service } from './endpoints';
import type { AgentOrders, EngineOrders, EngineStatus, Positions, RiskLimits } from './schemas';

export interface ApiClientOptions {
  /** Base URL of the agents service, e.g. http://127.0.0.1:8000 */
  agentsUrl: string;
  /** Base URL of the execution engine, e.g. http://127.0.0.1:8080 */
  engineUrl: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export interface ApiClient {
  positions(): Promise<Positions>;
  riskLimits(): Promise<RiskLimits>;
  engineStatus(): Promise<EngineStatus>;
  agentOrders(): Promise<AgentOrders>;
  engineOrders(): Promise<EngineOrders>;
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 3000;

  async function getJson<T>(base: string, path: string, schema: z.ZodType<T>): Promise<T> {
    const url = new URL(path, base).toString();
    let response: Response;
    try {
      response = await doFetch(url, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(timeoutMs),
        cache: 'no-store',
      });
    } catch (error) {
      throw new ApiError(url, 'unreachable', `unreachable (${(error as Error).message})`);
    }
    if (!response.ok) {
      throw new ApiError(url, 'status', `HTTP ${response.status}`, response.status);
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw new ApiError(url, 'invalid-body', 'response is not JSON');
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ApiError(url, 'invalid-body', `unexpected body at ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    }
    return parsed.data;
  }

  const base: Record<Service, string> = { agents: options.agentsUrl, engine: options.engineUrl };
  const get = <T>(endpoint: { service: Service; path: string; schema: z.ZodType<T> }) => getJson(base[endpoint.service], endpoint.path, endpoint.schema);

  return {
    positions: () => get(endpoints.positions),
    riskLimits: () => get(endpoints.riskLimits),
    engineStatus: () => get(endpoints.engineStatus),
    agentOrders: () => get(endpoints.agentOrders),
    engineOrders: () => get(endpoints.engineOrders),
  };
}
