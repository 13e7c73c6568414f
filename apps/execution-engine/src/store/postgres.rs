//! The engine's state in PostgreSQL (tokio-postgres with a deadpool pool: the maintained async
//! driver with the smallest footprint; queries are plain SQL, checked by the tests against a real
//! server). One book per instrument, whichever pods and colours serve it: a booking locks its
//! instrument's row (`SELECT ... FOR UPDATE`) for its one transaction, reads the crossing makers,
//! applies the matching plan (crate::matching) and commits. The lock cannot outlive the work it
//! guards: it is released by the commit or by the transaction's abort when the pod or its
//! connection dies, so no fencing token is needed. A client order id is unique in the table: a
//! retry, to any pod, after any restart, reads the first booking.

use std::collections::HashMap;
use std::time::Duration;

use deadpool_postgres::{Config, GenericClient, Pool, PoolConfig, Runtime, Timeouts};
use market_types::{OrderId, Price, Quantity, Side};
use tokio_postgres::NoTls;

use super::breaker::{breaker, Breaker, BreakerMetrics};
use super::{Outcome, Position, Rules, StoreError, Submission, Top};
use crate::book::Trade;
use crate::journal::Booked;
use crate::matching::{cross, Resting};
use crate::orders::Order;
use failsafe::futures::CircuitBreaker;
use std::future::Future;

/// The first migration (apps/execution-engine/migrations, dbmate's format).
const FIRST_MIGRATION: &str = include_str!("../../migrations/20261204000000_engine_state.sql");
/// The expand migrations this release's code needs, oldest first, with their dbmate versions.
/// Deployed, the release's migration Job (dbmate) has applied them before a pod starts, and a pod
/// finds their versions in dbmate's table and runs no DDL: a start never queues a lock on the
/// order tables behind live bookings (an `ALTER TABLE` or `CREATE INDEX`, even one with nothing to
/// do, waits for every booking in flight and stalls every later one; under a busy database it
/// passed its lock_timeout and the pod crash-looped). An engine started on its own (the processes
/// of the integration and e2e tests, a developer's) applies the missing ones at start, each
/// idempotent, and records them as dbmate would.
const EXPAND_MIGRATIONS: [(&str, &str); 2] = [
    ("20261204000000", FIRST_MIGRATION),
    (
        "20261205000000",
        include_str!("../../migrations/20261205000000_engine_accounts.sql"),
    ),
];
/// dbmate's table of applied versions for the engine (apps/execution-engine/migrations.yaml), in
/// dbmate's own shape.
const MIGRATIONS_TABLE: &str =
    "CREATE TABLE IF NOT EXISTS engine_schema_migrations (version varchar(128) PRIMARY KEY)";
/// How long a start waits for each connection it opens before reporting ready.
const WARM_TIMEOUTS: Timeouts = Timeouts {
    wait: Some(Duration::from_secs(30)),
    create: Some(Duration::from_secs(30)),
    recycle: Some(Duration::from_secs(5)),
};
/// The advisory lock the schema is applied under (any constant: pods starting together wait in turn).
const SCHEMA_LOCK: i64 = 0x7472_6164_696e_6701;
/// Crossing makers are read a page at a time, until they cover the order's quantity (most orders
/// take one or two); an order larger than MAKERS_PER_BOOKING makers rests its remainder.
const MAKERS_PAGE: i64 = 16;
const MAKERS_PER_BOOKING: usize = 1000;

// A booking's statements, prepared once per connection (each a single round trip after that).
const LOCK_INSTRUMENT: &str = "SELECT 1 FROM engine_instruments WHERE symbol = $1 FOR UPDATE";
/// What the pre-trade checks need, by index (not the resting counts: they grow with the book):
/// the band's reference, the account's position and what it rests on each side; and the new
/// order's id.
const BAND_AND_ID: &str = "SELECT \
    (SELECT max(price) FROM engine_orders WHERE instrument = $1 AND side = 'buy' AND remaining > 0) AS best_bid, \
    (SELECT min(price) FROM engine_orders WHERE instrument = $1 AND side = 'sell' AND remaining > 0) AS best_ask, \
    p.quantity AS position, p.resting_buys, p.resting_sells, \
    nextval('engine_order_ids') AS id \
    FROM (SELECT 1) AS one LEFT JOIN engine_positions p ON p.account = $2 AND p.instrument = $1";
/// The opposite side's makers that cross the order, best price first, oldest first within a price:
/// a page of $3 after the maker ($4 price, $5 id) the last page ended with.
const CROSSING_ASKS: &str = "SELECT id, price, remaining FROM engine_orders WHERE instrument = $1 AND side = 'sell' \
    AND remaining > 0 AND price <= $2 AND (price, id) > ($4, $5) ORDER BY price ASC, id ASC LIMIT $3";
const CROSSING_BIDS: &str =
    "SELECT id, price, remaining FROM engine_orders WHERE instrument = $1 AND side = 'buy' \
    AND remaining > 0 AND price >= $2 AND (price < $4 OR (price = $4 AND id > $5)) \
    ORDER BY price DESC, id ASC LIMIT $3";
/// The order, its makers' remainders and its trades in one statement; nothing of the fills is
/// written when the client id turns out to be taken (the count is then 0). The trades move the
/// taker's and makers' positions (a trigger, engine_trades_positions, at the statement's end).
const WRITE_BOOKING: &str = "WITH booked AS ( \
      INSERT INTO engine_orders (id, client_order_id, instrument, side, price, quantity, remaining, account) \
      VALUES ($1, $2, $3, $4, $5, $6, $7, $15) ON CONFLICT (client_order_id) DO NOTHING RETURNING id), \
    makers AS ( \
      UPDATE engine_orders o SET remaining = m.remaining \
      FROM unnest($8::bigint[], $9::bigint[]) AS m(id, remaining) \
      WHERE o.id = m.id AND EXISTS (SELECT 1 FROM booked)), \
    trades AS ( \
      INSERT INTO engine_trades (taker, maker, price, quantity) \
      SELECT $1, t.maker, t.price, t.quantity FROM unnest($10::bigint[], $11::bigint[], $12::bigint[]) AS t(maker, price, quantity) \
      WHERE EXISTS (SELECT 1 FROM booked)), \
    counts AS ( \
      UPDATE engine_instruments SET resting_bids = resting_bids + $13, resting_asks = resting_asks + $14 \
      WHERE symbol = $3 AND EXISTS (SELECT 1 FROM booked)) \
    SELECT count(*) FROM booked";

impl From<tokio_postgres::Error> for StoreError {
    /// The server's own message when it sent one (the error's Display says only "db error").
    fn from(e: tokio_postgres::Error) -> StoreError {
        StoreError::Database(match e.as_db_error() {
            Some(db) => format!("{} ({})", db.message(), db.code().code()),
            None => e.to_string(),
        })
    }
}

impl From<deadpool_postgres::PoolError> for StoreError {
    fn from(e: deadpool_postgres::PoolError) -> StoreError {
        StoreError::Database(e.to_string())
    }
}

/// Failed database calls in a row that open the breaker, and how long it then stays open.
const BREAKER_FAILURES: u32 = 5;
const BREAKER_OPEN_SECONDS: u64 = 5;

pub struct PgStore {
    rules: Rules,
    pool: Pool,
    breaker: Breaker,
    metrics: BreakerMetrics,
}

/// A dbmate migration's up section: from its `-- migrate:up` line to its `-- migrate:down` line.
fn up_section(migration: &str) -> &str {
    let up = migration
        .find("-- migrate:up")
        .map_or(0, |at| at + migration[at..].find('\n').map_or(0, |n| n + 1));
    let down = migration[up..]
        .find("-- migrate:down")
        .map_or(migration.len(), |at| up + at);
    &migration[up..down]
}

fn side_name(side: Side) -> &'static str {
    match side {
        Side::Buy => "buy",
        Side::Sell => "sell",
    }
}

fn side_of(name: &str) -> Side {
    if name == "buy" {
        Side::Buy
    } else {
        Side::Sell
    }
}

impl PgStore {
    /// A pool on `url` (postgres://…; the password from the environment's Secret), the schema
    /// applied and the instrument's row present. Fails, naming the database, when it does not answer.
    pub async fn connect(url: &str, pool_size: usize, rules: Rules) -> Result<PgStore, StoreError> {
        let mut config = Config::new();
        config.url = Some(url.to_string());
        config.pool = Some(PoolConfig {
            max_size: pool_size,
            timeouts: Timeouts {
                wait: Some(Duration::from_secs(5)),
                create: Some(Duration::from_secs(5)),
                recycle: Some(Duration::from_secs(5)),
            },
            ..PoolConfig::default()
        });
        let pool = config
            .create_pool(Some(Runtime::Tokio1), NoTls)
            .map_err(|e| StoreError::Database(format!("DATABASE_URL: {e}")))?;
        let metrics = BreakerMetrics::new();
        let breaker = breaker("database", BREAKER_FAILURES, BREAKER_OPEN_SECONDS, &metrics);
        let store = PgStore {
            rules,
            pool,
            breaker,
            metrics,
        };
        store.migrate().await?;
        store.warm(pool_size).await?;
        Ok(store)
    }

    /// Every connection of the pool opened before the engine reports ready: a burst of orders
    /// right after a start (a new colour taking traffic) would otherwise wait for connections to
    /// be opened and authenticated (SCRAM) under load. Measured with the debug build: p95 218 ms
    /// at 200 requests/s from a cold pool, against p50 0.7 ms.
    async fn warm(&self, pool_size: usize) -> Result<(), StoreError> {
        let mut opening = tokio::task::JoinSet::new();
        for _ in 0..pool_size {
            let pool = self.pool.clone();
            // A start may wait longer than a request would: a database busy with the live
            // release's traffic answers slowly, and a start that gave up would crash-loop the pod.
            opening.spawn(async move { pool.timeout_get(&WARM_TIMEOUTS).await });
        }
        let mut held = Vec::with_capacity(pool_size);
        while let Some(joined) = opening.join_next().await {
            let client =
                joined.map_err(|e| StoreError::Database(format!("opening the pool: {e}")))??;
            held.push(client);
        }
        // Dropped together, so each is a separate connection returned to the pool.
        drop(held);
        Ok(())
    }

    /// A store of another instrument (the synthetic twin, `Rules::synthetic`) on the same pool and
    /// breaker, its instrument's row present: its own book in the same tables.
    pub async fn sibling(&self, rules: Rules) -> Result<PgStore, StoreError> {
        let client = self.pool.get().await?;
        client
            .execute(
                "INSERT INTO engine_instruments (symbol) VALUES ($1) ON CONFLICT DO NOTHING",
                &[&rules.spec.symbol],
            )
            .await?;
        Ok(PgStore {
            rules,
            pool: self.pool.clone(),
            breaker: self.breaker.clone(),
            metrics: self.metrics.clone(),
        })
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let mut client = self.pool.timeout_get(&WARM_TIMEOUTS).await?;
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])
            .await?;
        tx.batch_execute(MIGRATIONS_TABLE).await?;
        let applied: Vec<String> = tx
            .query("SELECT version FROM engine_schema_migrations", &[])
            .await?
            .iter()
            .map(|row| row.get(0))
            .collect();
        for (version, migration) in EXPAND_MIGRATIONS {
            if applied.iter().any(|v| v == version) {
                continue;
            }
            tx.batch_execute(up_section(migration)).await?;
            tx.execute(
                "INSERT INTO engine_schema_migrations (version) VALUES ($1) ON CONFLICT DO NOTHING",
                &[&version],
            )
            .await?;
        }
        tx.execute(
            "INSERT INTO engine_instruments (symbol) VALUES ($1) ON CONFLICT DO NOTHING",
            &[&self.rules.spec.symbol],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub fn symbol(&self) -> &str {
        &self.rules.spec.symbol
    }

    /// Connections the pool holds open now.
    pub fn open_connections(&self) -> usize {
        self.pool.status().size
    }

    pub fn metrics(&self) -> &BreakerMetrics {
        &self.metrics
    }

    /// A database call through the breaker: while it is open, a 503 at once.
    async fn guarded<T>(
        &self,
        call: impl Future<Output = Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        match self.breaker.call(call).await {
            Ok(value) => Ok(value),
            Err(failsafe::Error::Inner(e)) => Err(e),
            Err(failsafe::Error::Rejected) => Err(StoreError::Database(format!(
                "circuit open: the database failed {BREAKER_FAILURES} times in a row; calls fail at once for {BREAKER_OPEN_SECONDS} s"
            ))),
        }
    }

    pub async fn ready(&self) -> Result<(), StoreError> {
        self.guarded(async {
            let client = self.pool.get().await?;
            client.simple_query("SELECT 1").await?;
            Ok(())
        })
        .await
    }

    pub async fn top(&self) -> Result<Top, StoreError> {
        self.guarded(async {
            let client = self.pool.get().await?;
            top_in(&client, &self.rules.spec.symbol).await
        })
        .await
    }

    pub async fn submit(&self, submission: Submission) -> Result<Outcome, StoreError> {
        self.guarded(self.submit_unguarded(submission)).await
    }

    async fn submit_unguarded(&self, submission: Submission) -> Result<Outcome, StoreError> {
        let symbol = self.rules.spec.symbol.clone();
        if let Some(client_id) = &submission.client_order_id {
            let client = self.pool.get().await?;
            if let Some(first) = booking_of_client(&client, client_id).await? {
                return Ok(Outcome::Replayed(first));
            }
        }
        let mut client = self.pool.get().await?;
        let lock = client.prepare_cached(LOCK_INSTRUMENT).await?;
        let band = client.prepare_cached(BAND_AND_ID).await?;
        let makers_sql = match submission.side {
            Side::Buy => CROSSING_ASKS,
            Side::Sell => CROSSING_BIDS,
        };
        let makers = client.prepare_cached(makers_sql).await?;
        let write = client.prepare_cached(WRITE_BOOKING).await?;
        let tx = client.transaction().await?;
        // One booking of this instrument at a time, across every pod and colour: the row lock is
        // held from here to the commit, a few round trips. The reads after it are sent with it in
        // one pipeline; the server runs them in order, each on a snapshot taken after the lock was
        // granted, so they see every booking committed before this one.
        let price = submission.price.units();
        // Before the first maker: the cursor (price, id) of a page.
        let mut cursor: (i64, i64) = match submission.side {
            Side::Buy => (i64::MIN, 0),
            Side::Sell => (i64::MAX, 0),
        };
        let (_, raced, band_row, maker_rows) = tokio::try_join!(
            async { Ok::<_, StoreError>(tx.query_one(&lock, &[&symbol]).await?) },
            async {
                match &submission.client_order_id {
                    // A retry that raced the first attempt: that one committed while this one waited.
                    Some(client_id) => booking_of_client(&tx, client_id).await,
                    None => Ok(None),
                }
            },
            async { Ok(tx.query_one(&band, &[&symbol, &submission.account]).await?) },
            async {
                Ok(tx
                    .query(
                        &makers,
                        &[&symbol, &price, &MAKERS_PAGE, &cursor.0, &cursor.1],
                    )
                    .await?)
            },
        )?;
        if let Some(first) = raced {
            return Ok(Outcome::Replayed(first));
        }
        let id: i64 = band_row.get("id");
        let top = Top {
            best_bid: band_row.get::<_, Option<i64>>("best_bid").map(Price),
            best_ask: band_row.get::<_, Option<i64>>("best_ask").map(Price),
            resting_bids: 0,
            resting_asks: 0,
        };
        // The account's worst case on the order's side (the new order is added by the check).
        let figure = |name: &str| Quantity(band_row.get::<_, Option<i64>>(name).unwrap_or(0));
        let position = Position {
            quantity: figure("position"),
            resting_buys: figure("resting_buys"),
            resting_sells: figure("resting_sells"),
            ..Position::default()
        }
        .exposure(submission.side);
        let order = Order {
            id: OrderId(id as u64),
            instrument: symbol.clone(),
            side: submission.side,
            price: submission.price,
            quantity: submission.quantity,
        };
        if let Some(reason) =
            self.rules
                .refusal(&order, &top, position, submission.instrument.as_deref())
        {
            return Ok(Outcome::Refused(reason));
        }
        let mut resting: Vec<Resting> = maker_rows.iter().map(resting_of_row).collect();
        let mut page = maker_rows.len();
        let mut covered: i64 = resting.iter().map(|m| m.remaining.units()).sum();
        while page as i64 == MAKERS_PAGE
            && covered < order.quantity.units()
            && resting.len() < MAKERS_PER_BOOKING
        {
            let last = resting.last().expect("a full page has a last maker");
            cursor = (last.price.units(), last.id.0 as i64);
            let rows = tx
                .query(
                    &makers,
                    &[&symbol, &price, &MAKERS_PAGE, &cursor.0, &cursor.1],
                )
                .await?;
            page = rows.len();
            for row in &rows {
                let maker = resting_of_row(row);
                covered += maker.remaining.units();
                resting.push(maker);
            }
        }
        let plan = cross(&order, &resting);
        let maker_ids: Vec<i64> = plan.makers.iter().map(|(id, _)| id.0 as i64).collect();
        let maker_left: Vec<i64> = plan.makers.iter().map(|(_, q)| q.units()).collect();
        let trade_makers: Vec<i64> = plan.trades.iter().map(|t| t.maker.0 as i64).collect();
        let trade_prices: Vec<i64> = plan.trades.iter().map(|t| t.price.units()).collect();
        let trade_sizes: Vec<i64> = plan.trades.iter().map(|t| t.quantity.units()).collect();
        // The resting counts: the order rests if anything is left; each maker filled leaves.
        let rests = i64::from(plan.remaining.is_positive());
        let left = plan.makers.iter().filter(|(_, q)| !q.is_positive()).count() as i64;
        let (bids_delta, asks_delta) = match order.side {
            Side::Buy => (rests, -left),
            Side::Sell => (-left, rests),
        };
        let inserted: i64 = tx
            .query_one(
                &write,
                &[
                    &id,
                    &submission.client_order_id,
                    &symbol,
                    &side_name(order.side),
                    &order.price.units(),
                    &order.quantity.units(),
                    &plan.remaining.units(),
                    &maker_ids,
                    &maker_left,
                    &trade_makers,
                    &trade_prices,
                    &trade_sizes,
                    &bids_delta,
                    &asks_delta,
                    &submission.account,
                ],
            )
            .await?
            .get(0);
        if inserted == 0 {
            // The client id was booked for another instrument's engine: that booking stands.
            drop(tx);
            let client = self.pool.get().await?;
            let id = submission.client_order_id.unwrap_or_default();
            return match booking_of_client(&client, &id).await? {
                Some(first) => Ok(Outcome::Replayed(first)),
                None => Err(StoreError::Database(format!(
                    "client order id {id} conflicted but no booking holds it"
                ))),
            };
        }
        tx.commit().await?;
        Ok(Outcome::Booked(Booked {
            id: order.id,
            account: submission.account,
            client_order_id: submission.client_order_id,
            instrument: symbol,
            side: order.side,
            price: order.price,
            quantity: order.quantity,
            remaining: plan.remaining,
            trades: plan.trades,
        }))
    }

    pub async fn find(&self, client_order_id: &str) -> Result<Option<Booked>, StoreError> {
        self.guarded(async {
            let client = self.pool.get().await?;
            booking_of_client(&client, client_order_id).await
        })
        .await
    }

    /// Every account's position in the instrument, by account.
    pub async fn positions(&self) -> Result<Vec<Position>, StoreError> {
        self.guarded(async {
            let client = self.pool.get().await?;
            let rows = client
                .query(
                    "SELECT account, quantity, resting_buys, resting_sells FROM engine_positions \
                     WHERE instrument = $1 ORDER BY account",
                    &[&self.rules.spec.symbol],
                )
                .await?;
            Ok(rows
                .iter()
                .map(|row| Position {
                    account: row.get("account"),
                    instrument: self.rules.spec.symbol.clone(),
                    quantity: Quantity(row.get("quantity")),
                    resting_buys: Quantity(row.get("resting_buys")),
                    resting_sells: Quantity(row.get("resting_sells")),
                })
                .collect())
        })
        .await
    }

    /// Up to `limit` bookings, newest first, each with the trades it made as the taker.
    pub async fn recent(&self, limit: usize) -> Result<Vec<Booked>, StoreError> {
        self.guarded(self.recent_unguarded(limit)).await
    }

    async fn recent_unguarded(&self, limit: usize) -> Result<Vec<Booked>, StoreError> {
        let client = self.pool.get().await?;
        let rows = client
            .query(
                "SELECT id, account, client_order_id, instrument, side, price, quantity, remaining FROM engine_orders \
                 WHERE instrument = $1 ORDER BY id DESC LIMIT $2",
                &[&self.rules.spec.symbol, &(limit as i64)],
            )
            .await?;
        let mut bookings: Vec<Booked> = rows.iter().map(booked_of_row).collect();
        attach_trades(&client, &mut bookings).await?;
        Ok(bookings)
    }
}

fn booked_of_row(row: &tokio_postgres::Row) -> Booked {
    Booked {
        id: OrderId(row.get::<_, i64>("id") as u64),
        account: row.get("account"),
        client_order_id: row.get("client_order_id"),
        instrument: row.get("instrument"),
        side: side_of(row.get("side")),
        price: Price(row.get("price")),
        quantity: Quantity(row.get("quantity")),
        remaining: Quantity(row.get("remaining")),
        trades: Vec::new(),
    }
}

async fn attach_trades<C: GenericClient>(
    client: &C,
    bookings: &mut [Booked],
) -> Result<(), StoreError> {
    if bookings.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = bookings.iter().map(|b| b.id.0 as i64).collect();
    let statement = client
        .prepare_cached(
            "SELECT taker, maker, price, quantity FROM engine_trades WHERE taker = ANY($1) \
             ORDER BY taker, price, maker",
        )
        .await?;
    let rows = client.query(&statement, &[&ids]).await?;
    let mut by_taker: HashMap<i64, Vec<Trade>> = HashMap::new();
    for row in rows {
        let taker: i64 = row.get("taker");
        by_taker.entry(taker).or_default().push(Trade {
            maker: OrderId(row.get::<_, i64>("maker") as u64),
            taker: OrderId(taker as u64),
            price: Price(row.get("price")),
            quantity: Quantity(row.get("quantity")),
        });
    }
    for booking in bookings {
        booking.trades = by_taker.remove(&(booking.id.0 as i64)).unwrap_or_default();
    }
    Ok(())
}

async fn booking_of_client<C: GenericClient>(
    client: &C,
    client_id: &str,
) -> Result<Option<Booked>, StoreError> {
    let statement = client
        .prepare_cached(
            "SELECT id, account, client_order_id, instrument, side, price, quantity, remaining FROM engine_orders \
             WHERE client_order_id = $1",
        )
        .await?;
    let row = client.query_opt(&statement, &[&client_id]).await?;
    let Some(row) = row else { return Ok(None) };
    let mut booking = [booked_of_row(&row)];
    attach_trades(client, &mut booking).await?;
    let [booking] = booking;
    Ok(Some(booking))
}

async fn top_in<C: GenericClient>(client: &C, symbol: &str) -> Result<Top, StoreError> {
    let statement = client
        .prepare_cached(
            "SELECT \
               (SELECT max(price) FROM engine_orders WHERE instrument = $1 AND side = 'buy' AND remaining > 0) AS best_bid, \
               (SELECT min(price) FROM engine_orders WHERE instrument = $1 AND side = 'sell' AND remaining > 0) AS best_ask, \
               resting_bids, resting_asks \
             FROM engine_instruments WHERE symbol = $1",
        )
        .await?;
    let row = client.query_one(&statement, &[&symbol]).await?;
    Ok(Top {
        best_bid: row.get::<_, Option<i64>>("best_bid").map(Price),
        best_ask: row.get::<_, Option<i64>>("best_ask").map(Price),
        resting_bids: row.get::<_, i64>("resting_bids") as usize,
        resting_asks: row.get::<_, i64>("resting_asks") as usize,
    })
}

fn resting_of_row(row: &tokio_postgres::Row) -> Resting {
    Resting {
        id: OrderId(row.get::<_, i64>("id") as u64),
        price: Price(row.get("price")),
        remaining: Quantity(row.get("remaining")),
    }
}

#[cfg(test)]
mod tests {
    use super::{up_section, EXPAND_MIGRATIONS};

    #[test]
    fn each_embedded_migration_is_its_versions_file() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        for (version, text) in EXPAND_MIGRATIONS {
            let file = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .find(|p| {
                    p.file_name()
                        .unwrap()
                        .to_string_lossy()
                        .starts_with(&format!("{version}_"))
                })
                .unwrap_or_else(|| panic!("no migration file for version {version}"));
            assert_eq!(std::fs::read_to_string(&file).unwrap(), text, "{file:?}");
        }
    }

    #[test]
    fn the_up_section_is_between_the_markers() {
        let sql = "-- release: expand\n-- migrate:up\nCREATE TABLE a ();\n-- migrate:down\nDROP TABLE a;\n";
        assert_eq!(up_section(sql), "CREATE TABLE a ();\n");
        assert_eq!(up_section("SELECT 1;"), "SELECT 1;");
        let first = up_section(super::FIRST_MIGRATION);
        assert!(first.starts_with("SET LOCAL lock_timeout"), "{first}");
        assert!(!first.contains("migrate:down"));
    }
}
