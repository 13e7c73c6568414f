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
  position: decimal,
});

export type Positions = z.infer<typeof positionsSchema>;
export type RiskLimits = z.infer<typeof riskLimitsSchema>;
export type EngineStatus = z.infer<typeof engineStatusSchema>;
