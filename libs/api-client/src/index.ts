export { ApiError } from './lib/api-error';
export { createApiClient, type ApiClient, type ApiClientOptions } from './lib/client';
export {
  engineStatusSchema,
  positionsSchema,
  riskLimitsSchema,
  type EngineStatus,
  type Positions,
  type RiskLimits,
} from './lib/schemas';
