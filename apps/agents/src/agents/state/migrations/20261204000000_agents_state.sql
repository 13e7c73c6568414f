-- release: expand
-- The agents' trading state: one row per agent (its drawdown stop), its positions and marks, and
-- the outbox of order intents. Their first migration, the schema as it was when migrations began
-- (every statement IF NOT EXISTS). Until the deploy runs migrations as a Job (issue 30), the agents
-- apply this file's up section at start under an advisory lock.
-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';
CREATE TABLE IF NOT EXISTS agents_agents (
  agent text PRIMARY KEY,
  -- The drawdown stop: it survives restarts, deploys and rollbacks; only an operator resets it.
  peak numeric NOT NULL,
  tripped boolean NOT NULL DEFAULT false,
  rejected bigint NOT NULL DEFAULT 0,
  -- Part of every client order id (see PgAgentState): drawn once, with the row.
  token text NOT NULL DEFAULT substr(md5(random()::text), 1, 8)
);
CREATE TABLE IF NOT EXISTS agents_positions (
  agent text NOT NULL REFERENCES agents_agents (agent),
  instrument text NOT NULL,
  quantity numeric NOT NULL,
  average_price numeric NOT NULL,
  realized_pnl numeric NOT NULL,
  fees_paid numeric NOT NULL,
  PRIMARY KEY (agent, instrument)
);
CREATE TABLE IF NOT EXISTS agents_marks (
  agent text NOT NULL REFERENCES agents_agents (agent),
  instrument text NOT NULL,
  price numeric NOT NULL,
  PRIMARY KEY (agent, instrument)
);
CREATE SEQUENCE IF NOT EXISTS agents_intent_ids;
CREATE TABLE IF NOT EXISTS agents_outbox (
  id bigint PRIMARY KEY,
  -- Sent to the engine with every delivery: the engine books it once, whichever replica retries.
  client_order_id text NOT NULL UNIQUE,
  agent text NOT NULL REFERENCES agents_agents (agent),
  instrument text NOT NULL,
  side text NOT NULL CHECK (side IN ('buy', 'sell')),
  quantity numeric NOT NULL CHECK (quantity > 0),
  limit_price numeric NOT NULL CHECK (limit_price > 0),
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'booked', 'refused')),
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  engine_order_id bigint,
  -- [[price, quantity], ...] as decimal strings: the trades the booking matched at once.
  trades jsonb NOT NULL DEFAULT '[]',
  -- Its outcome applied to the positions: once, by whichever replica recorded the answer first.
  settled boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS agents_outbox_pending ON agents_outbox (id) WHERE status = 'pending';
-- The outbox's counts by status, kept on the agent's row under its lock (the intent is written
-- and settled under it): GET /api/orders reads them in one row however long the outbox grows (a
-- count over it took seconds at 1000 requests/s once it held a few thousand intents).
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()
                 AND table_name = 'agents_agents' AND column_name = 'pending') THEN
    ALTER TABLE agents_agents ADD COLUMN pending bigint NOT NULL DEFAULT 0,
      ADD COLUMN booked bigint NOT NULL DEFAULT 0, ADD COLUMN refused bigint NOT NULL DEFAULT 0;
    UPDATE agents_agents a SET
      pending = (SELECT count(*) FROM agents_outbox o WHERE o.agent = a.agent AND o.status = 'pending'),
      booked = (SELECT count(*) FROM agents_outbox o WHERE o.agent = a.agent AND o.status = 'booked'),
      refused = (SELECT count(*) FROM agents_outbox o WHERE o.agent = a.agent AND o.status = 'refused');
  END IF;
END $$;
-- What of each booked intent the agent has applied as fills: its trades at booking, then what
-- another order took of it later while it rested (the engine's quantity less its remaining, read
-- back by the delivery loop). Intents still resting are those with filled < quantity.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()
                 AND table_name = 'agents_outbox' AND column_name = 'filled') THEN
    ALTER TABLE agents_outbox ADD COLUMN filled numeric NOT NULL DEFAULT 0;
    UPDATE agents_outbox SET filled = (SELECT coalesce(sum((t ->> 1)::numeric), 0)
                                       FROM jsonb_array_elements(trades) t);
  END IF;
END $$;
CREATE INDEX IF NOT EXISTS agents_outbox_resting ON agents_outbox (id) WHERE status = 'booked' AND filled < quantity;

-- migrate:down
-- Irreversible: undoing the first migration is dropping the trading state; a database rollback
-- past it is a restore (docs/rollback.md section 4).
