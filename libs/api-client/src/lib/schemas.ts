import { z } from 'zod';

/** Decimal amounts travel as strings so no float ever rounds money. */
const decimal = z.string().regex(/^-?\d+(\.\d+)?$/, 'expected a decimal string');

export const positionsSchema = z.object({
  equity: decimal,
  halted: z.boolean(),
  positions: z.array(
    z.object({
      instrument: z.string(),
      quantity: decimal,
      averagePrice: decimal,
      realizedPnl: decimal,
      unrealizedPnl: decimal,
    }),
  ),
});

export const riskLimitsSchema = z.object({
  maxGrossExposure: decimal,
  maxDrawdown: decimal,
  drawdown: decimal,
  maxPosition: z.record(z.string(), decimal),
});

export const engineStatusSchema = z.object({
  version: z.string(),
  instrument: z.string(),
  best_bid: decimal.nullable(),
  best_ask: decimal.nullable(),
  resting_bids: z.number().int().nonnegative(),
  resting_asks: z.number().int().nonnegative(),
  // Deprecated by the engine (always "0": positions are per account, GET /api/positions there);
  // optional, so this client reads an engine that no longer sends it.
  position: decimal.optional(),
});

export type Positions = z.infer<typeof positionsSchema>;
export type RiskLimits = z.infer<typeof riskLimitsSchema>;
export type EngineStatus = z.infer<typeof engineStatusSchema>;

const side = z.enum(['buy', 'sell']);

/** The agents' order intents and how the engine answered them (GET /api/orders on the agents). */
export const agentOrdersSchema = z.object({
  counts: z.object({ pending: z.number().int(), booked: z.number().int(), refused: z.number().int() }),
  orders: z.array(
    z.object({
      clientOrderId: z.string(),
      instrument: z.string(),
      side,
      quantity: decimal,
      limitPrice: decimal,
      status: z.enum(['pending', 'booked', 'refused']),
      attempts: z.number().int(),
      lastError: z.string().nullable(),
      engineOrderId: z.number().int().nullable(),
      filledQuantity: decimal,
    }),
  ),
});

/** The engine's bookings, newest first (GET /api/orders on the engine). */
export const engineOrdersSchema = z.object({
  orders: z.array(
    z.object({
      id: z.number().int(),
      client_order_id: z.string().nullable(),
      instrument: z.string(),
      side,
      price: decimal,
      quantity: decimal,
      trades: z.array(z.object({ maker: z.number().int(), taker: z.number().int(), price: decimal, quantity: decimal })),
    }),
  ),
});

export type AgentOrders = z.infer<typeof agentOrdersSchema>;
export type EngineOrders = z.infer<typeof engineOrdersSchema>;
