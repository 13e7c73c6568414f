-- release: expand
-- Accounts: every order belongs to one (the participant it is booked for). Per account and
-- instrument the engine keeps the position (the sum of its fills) and what it has resting on each
-- side, and checks its pre-trade position limit against the worst case of the two: the position
-- if every resting order of the order's side filled, and the order too, over every pod and colour.
-- (Before, the limit read a per-instrument figure no fill ever moved: always 0, so it only capped
-- an order's size.)
-- Both are kept by triggers, in the booking's transaction and under its instrument lock: a release
-- that knows nothing of accounts (the live one beside a canary, or one rolled back to) books into
-- the same figures, its orders under the account 'unassigned'.
-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';
ALTER TABLE engine_orders ADD COLUMN IF NOT EXISTS account text NOT NULL DEFAULT 'unassigned';
DO $$
BEGIN
  IF to_regclass('engine_positions') IS NULL THEN
    CREATE TABLE engine_positions (
      account text NOT NULL,
      instrument text NOT NULL REFERENCES engine_instruments (symbol),
      -- Signed, in lots: bought less sold.
      quantity bigint NOT NULL DEFAULT 0,
      -- In lots: what the account's orders still rest to buy and to sell.
      resting_buys bigint NOT NULL DEFAULT 0 CHECK (resting_buys >= 0),
      resting_sells bigint NOT NULL DEFAULT 0 CHECK (resting_sells >= 0),
      PRIMARY KEY (account, instrument)
    );
    -- What was booked before accounts: every order then belonged to 'unassigned'.
    INSERT INTO engine_positions (account, instrument, quantity, resting_buys, resting_sells)
    SELECT account, instrument,
           coalesce(sum(filled), 0), coalesce(sum(buys), 0), coalesce(sum(sells), 0)
      FROM (SELECT o.account, o.instrument,
                   CASE WHEN o.side = 'buy' THEN t.quantity ELSE -t.quantity END AS filled,
                   0::bigint AS buys, 0::bigint AS sells
              FROM engine_trades t
              JOIN LATERAL (VALUES (t.taker), (t.maker)) AS party (id) ON true
              JOIN engine_orders o ON o.id = party.id
            UNION ALL
            SELECT account, instrument, 0,
                   CASE WHEN side = 'buy' THEN remaining ELSE 0 END,
                   CASE WHEN side = 'sell' THEN remaining ELSE 0 END
              FROM engine_orders WHERE remaining > 0) AS booked
     GROUP BY account, instrument;
  END IF;
END $$;
-- Each trade moves its taker's and its maker's positions (opposite sides: one buys, one sells).
-- Grouped: a trade between two orders of one account moves its position by 0, in one row.
CREATE OR REPLACE FUNCTION engine_trade_moves_positions() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO engine_positions AS p (account, instrument, quantity)
  SELECT o.account, o.instrument,
         sum(CASE WHEN o.side = 'buy' THEN NEW.quantity ELSE -NEW.quantity END)
    FROM engine_orders o WHERE o.id IN (NEW.taker, NEW.maker)
   GROUP BY o.account, o.instrument
  ON CONFLICT (account, instrument) DO UPDATE SET quantity = p.quantity + EXCLUDED.quantity;
  RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER engine_trades_positions AFTER INSERT ON engine_trades
  FOR EACH ROW EXECUTE FUNCTION engine_trade_moves_positions();
-- What an order rests: added when it is booked, taken off as it fills.
CREATE OR REPLACE FUNCTION engine_order_moves_resting() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  change bigint := NEW.remaining - CASE WHEN TG_OP = 'INSERT' THEN 0 ELSE OLD.remaining END;
BEGIN
  IF change < 0 THEN
    -- A fill: the row was made when the order rested. (Not an upsert: the CHECK is applied to
    -- the row an INSERT proposes, before its conflict is found.)
    UPDATE engine_positions
       SET resting_buys = resting_buys + CASE WHEN NEW.side = 'buy' THEN change ELSE 0 END,
           resting_sells = resting_sells + CASE WHEN NEW.side = 'sell' THEN change ELSE 0 END
     WHERE account = NEW.account AND instrument = NEW.instrument;
  ELSIF change > 0 THEN
    INSERT INTO engine_positions AS p (account, instrument, resting_buys, resting_sells)
    VALUES (NEW.account, NEW.instrument,
            CASE WHEN NEW.side = 'buy' THEN change ELSE 0 END,
            CASE WHEN NEW.side = 'sell' THEN change ELSE 0 END)
    ON CONFLICT (account, instrument) DO UPDATE
      SET resting_buys = p.resting_buys + EXCLUDED.resting_buys,
          resting_sells = p.resting_sells + EXCLUDED.resting_sells;
  END IF;
  RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER engine_orders_account_resting AFTER INSERT OR UPDATE OF remaining ON engine_orders
  FOR EACH ROW EXECUTE FUNCTION engine_order_moves_resting();

-- migrate:down
SET LOCAL lock_timeout = '5s';
DROP TRIGGER IF EXISTS engine_orders_account_resting ON engine_orders;
DROP FUNCTION IF EXISTS engine_order_moves_resting();
DROP TRIGGER IF EXISTS engine_trades_positions ON engine_trades;
DROP FUNCTION IF EXISTS engine_trade_moves_positions();
DROP TABLE IF EXISTS engine_positions;
ALTER TABLE engine_orders DROP COLUMN IF EXISTS account;
