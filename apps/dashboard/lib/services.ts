import { createApiClient, type ApiClient } from '@trading/api-client';

/** Service URLs come from the environment; the defaults are the local ports the services use. */
export function serviceClient(env: Record<string, string | undefined> = process.env): ApiClient {
  return createApiClient({
    agentsUrl: env.AGENTS_URL ?? 'http://127.0.0.1:8000',
    engineUrl: env.ENGINE_URL ?? 'http://127.0.0.1:8080',
  });
}
