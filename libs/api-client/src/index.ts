export { ApiError } from './lib/api-error';
export { createApiClient, type ApiClient, type ApiClientOptions } from './lib/client';
export { endpoints } from './lib/endpoints';
export { incompatibilities } from './lib/contract';
export {
  agentOrdersSchema,
  engineOrdersSchema,
  engineStatusSchema,
  positionsSchema,
  riskLimitsSchema,
  type AgentOrders,
  type EngineOrders,
  type EngineStatus,
  type Positions,
  type RiskLimits,
} from './lib/schemas';
