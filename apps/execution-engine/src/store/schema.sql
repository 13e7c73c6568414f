-- The execution engine's trading state. Applied at start under an advisory lock, idempotently
-- (expand-only: every statement is IF NOT EXISTS); the release's migrations take it over with
-- issue 30. Prices and quantities are fixed-point units (market_types::SCALE = 10^8).
CREATE TABLE IF NOT EXISTS engine_instruments (
  symbol text PRIMARY KEY,
  -- The row every booking of the instrument locks (SELECT ... FOR UPDATE): matching is serialised
  -- per instrument across all pods and colours, and the lock dies with its transaction.
  position bigint NOT NULL DEFAULT 0
);
CREATE SEQUENCE IF NOT EXISTS engine_order_ids;
CREATE TABLE IF NOT EXISTS engine_orders (
  id bigint PRIMARY KEY,
  -- A retry of a client order id, to any pod, gets the first booking back.
  client_order_id text UNIQUE,
  instrument text NOT NULL REFERENCES engine_instruments (symbol),
  side text NOT NULL CHECK (side IN ('buy', 'sell')),
  price bigint NOT NULL CHECK (price > 0),
  quantity bigint NOT NULL CHECK (quantity > 0),
  -- What still rests on the book; 0 once filled.
  remaining bigint NOT NULL CHECK (remaining >= 0 AND remaining <= quantity),
  booked_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS engine_orders_resting ON engine_orders (instrument, side, price, id) WHERE remaining > 0;
CREATE TABLE IF NOT EXISTS engine_trades (
  taker bigint NOT NULL REFERENCES engine_orders (id),
  maker bigint NOT NULL REFERENCES engine_orders (id),
  price bigint NOT NULL CHECK (price > 0),
  quantity bigint NOT NULL CHECK (quantity > 0),
  -- A taker fills against a maker once: a second fill of the pair is refused.
  PRIMARY KEY (taker, maker)
);
CREATE INDEX IF NOT EXISTS engine_trades_maker ON engine_trades (maker);
