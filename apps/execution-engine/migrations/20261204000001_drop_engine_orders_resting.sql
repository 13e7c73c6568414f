-- release: contract
-- The one index over both sides of the book, replaced by one per side (engine_orders_bids and
-- engine_orders_asks, in the first migration): dropped once no release reads through it. A contract
-- migration: it runs only when no live or standby release needs the old shape.
-- (One statement: CONCURRENTLY runs outside a transaction, and a multi-statement string is one.)
-- migrate:up transaction:false
DROP INDEX CONCURRENTLY IF EXISTS engine_orders_resting;

-- migrate:down
-- Irreversible: the index is not recreated (no release since the per-side indexes reads it).
