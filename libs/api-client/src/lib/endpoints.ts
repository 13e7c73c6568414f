import type { z } from 'zod';
import { agentOrdersSchema, engineOrdersSchema, engineStatusSchema, positionsSchema, riskLimitsSchema } from './schemas';

export type Service = 'agents' | 'engine';

/** Every call the client makes: which service, which path, what body it accepts. The contract
 * test checks each against the service's committed OpenAPI document. */
export const endpoints = {
  positions: { service: 'agents', path: '/api/positions', schema: positionsSchema },
  riskLimits: { service: 'agents', path: '/api/risk/limits', schema: riskLimitsSchema },
  agentOrders: { service: 'agents', path: '/api/orders', schema: agentOrdersSchema },
  engineStatus: { service: 'engine', path: '/api/status', schema: engineStatusSchema },
  engineOrders: { service: 'engine', path: '/api/orders', schema: engineOrdersSchema },
} as const satisfies Record<string, { service: Service; path: string; schema: z.ZodType }>;
