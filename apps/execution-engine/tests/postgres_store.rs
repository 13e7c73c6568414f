//! The engine's state in a real PostgreSQL (Debian's postgresql-15, started by
//! tools/postgres/postgres.sh like every service here; a throwaway database per test, dropped
//! after it). Several stores on one database stand for several pods and colours.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;

use execution_engine::orders::InstrumentSpec;
use execution_engine::risk::RiskLimits;
use execution_engine::store::postgres::PgStore;
use execution_engine::store::{Outcome, Rules, Submission};
use market_types::{Quantity, Side};

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn postgres(args: &[&str]) -> String {
    let out = Command::new("bash")
        .arg(workspace().join("tools/postgres/postgres.sh"))
        .args(args)
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "postgres.sh {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A throwaway database on the local server (brought up if it is not), dropped when dropped.
struct Database {
    name: String,
    url: String,
}

impl Database {
    fn new(test: &str) -> Database {
        postgres(&["up"]);
        let name = format!("engine_{test}_{}", std::process::id());
        postgres(&["createdb", &name]);
        let url = postgres(&["url", &name]);
        Database { name, url }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(workspace().join("tools/postgres/postgres.sh"))
            .args(["dropdb", &self.name])
            .output();
    }
}

fn rules() -> Rules {
    Rules {
        spec: InstrumentSpec {
            symbol: "BTC-USD".into(),
            tick: "0.5".parse().unwrap(),
            lot: "0.001".parse().unwrap(),
            min_quantity: "0.001".parse().unwrap(),
        },
        limits: RiskLimits {
            max_order_quantity: "10".parse().unwrap(),
            max_order_notional: "1000000".parse().unwrap(),
            price_band_bps: 1000,
            max_position: "50".parse().unwrap(),
        },
    }
}

fn order(client: Option<&str>, side: Side, price: &str, quantity: &str) -> Submission {
    Submission {
        account: execution_engine::store::UNASSIGNED.into(),
        client_order_id: client.map(str::to_string),
        instrument: None,
        side,
        price: price.parse().unwrap(),
        quantity: quantity.parse().unwrap(),
    }
}

fn booked(outcome: Outcome) -> execution_engine::journal::Booked {
    match outcome {
        Outcome::Booked(b) => b,
        other => panic!("expected a new booking, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_pods_share_one_book_and_one_journal_and_a_restart_keeps_both() {
    let db = Database::new("shared");
    let blue = PgStore::connect(&db.url, 4, rules()).await.unwrap();
    let green = PgStore::connect(&db.url, 4, rules()).await.unwrap();
    // Every connection is open before the first order: none is opened under load.
    assert_eq!((blue.open_connections(), green.open_connections()), (4, 4));

    let ask = booked(
        blue.submit(order(Some("c-1"), Side::Sell, "40000", "1"))
            .await
            .unwrap(),
    );
    // The other pod matches the first pod's resting order: one book.
    let bid = booked(
        green
            .submit(order(Some("c-2"), Side::Buy, "40000", "0.25"))
            .await
            .unwrap(),
    );
    assert_eq!(bid.trades.len(), 1);
    assert_eq!(bid.trades[0].maker, ask.id);
    assert!(bid.id > ask.id, "ids from one sequence");
    // A retry of c-1 to the other pod gets the first booking back.
    match green
        .submit(order(Some("c-1"), Side::Sell, "40000", "1"))
        .await
        .unwrap()
    {
        // The first booking, as it stands now: the bid took a quarter of it.
        Outcome::Replayed(first) => assert_eq!(
            first,
            execution_engine::journal::Booked {
                remaining: "0.75".parse().unwrap(),
                ..ask.clone()
            }
        ),
        other => panic!("a retry must replay the first booking, got {other:?}"),
    }
    drop((blue, green));

    // A restarted pod sees every booking and the book as it was.
    let restarted = PgStore::connect(&db.url, 2, rules()).await.unwrap();
    let recent = restarted.recent(10).await.unwrap();
    assert_eq!(
        recent.iter().map(|b| b.id).collect::<Vec<_>>(),
        vec![bid.id, ask.id]
    );
    assert_eq!(recent[0].trades, bid.trades);
    // The ask rests with what the bid left of it: its later fill, as its client reads it back.
    assert_eq!(
        (recent[0].remaining, recent[1].remaining),
        (Quantity::ZERO, "0.75".parse().unwrap())
    );
    assert_eq!(
        restarted.find("c-1").await.unwrap().map(|b| b.remaining),
        Some("0.75".parse().unwrap())
    );
    let top = restarted.top().await.unwrap();
    assert_eq!(
        (top.resting_asks, top.best_ask),
        (1, Some("40000".parse().unwrap()))
    );
    match restarted
        .submit(order(Some("c-2"), Side::Buy, "40000", "0.25"))
        .await
        .unwrap()
    {
        Outcome::Replayed(first) => assert_eq!(first.id, bid.id),
        other => panic!("{other:?}"),
    }
    // The price band is measured from the persisted book, not from an empty one after the restart.
    booked(
        restarted
            .submit(order(None, Side::Buy, "39000", "0.1"))
            .await
            .unwrap(),
    );
    match restarted
        .submit(order(None, Side::Sell, "48000", "0.1"))
        .await
        .unwrap()
    {
        Outcome::Refused(reason) => assert!(reason.contains("bps from the reference"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

/// The synthetic twin (test traffic's book) on the same pool: its orders trade among themselves,
/// the real instrument's book, position and listing never see them, and its row persists.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_synthetic_instrument_trades_on_its_own_book_in_the_same_tables() {
    let db = Database::new("synthetic");
    let real = PgStore::connect(&db.url, 2, rules()).await.unwrap();
    let twin = real.sibling(rules().synthetic()).await.unwrap();
    assert_eq!(twin.symbol(), "BTC-USD.SYNTHETIC");
    booked(
        real.submit(order(Some("real-1"), Side::Sell, "40000", "1"))
            .await
            .unwrap(),
    );
    let synthetic = |client: &str, side| Submission {
        instrument: Some("BTC-USD.SYNTHETIC".into()),
        ..order(Some(client), side, "100", "0.001")
    };
    let maker = booked(twin.submit(synthetic("load-1", Side::Buy)).await.unwrap());
    let taker = booked(twin.submit(synthetic("load-2", Side::Sell)).await.unwrap());
    assert_eq!(taker.trades.len(), 1);
    assert_eq!(
        taker.trades[0].maker, maker.id,
        "matched on its own book, not the real ask"
    );
    assert_eq!(taker.instrument, "BTC-USD.SYNTHETIC");
    // The real instrument: its one ask, no fill, only its own booking listed.
    let top = real.top().await.unwrap();
    assert_eq!((top.resting_asks, top.resting_bids), (1, 0));
    // Its one resting ask is the only figure of the real instrument's accounts.
    let positions = real.positions().await.unwrap();
    assert_eq!(positions.len(), 1, "{positions:?}");
    assert_eq!(
        (positions[0].quantity, positions[0].resting_buys),
        (Quantity::ZERO, Quantity::ZERO)
    );
    assert!(positions[0].resting_sells.is_positive());
    let listed = real.recent(10).await.unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|b| b.client_order_id.clone())
            .collect::<Vec<_>>(),
        vec![Some("real-1".to_string())]
    );
    // The real instrument's store refuses the twin's orders (the HTTP layer routes them).
    match real.submit(synthetic("load-3", Side::Buy)).await.unwrap() {
        Outcome::Refused(reason) => assert!(
            reason.contains("unknown instrument BTC-USD.SYNTHETIC"),
            "{reason}"
        ),
        other => panic!("{other:?}"),
    }
}

/// Racing pods and retried client ids: every client id booked once, every maker filled at most
/// its quantity, fills consistent with what rests, and the book never crossed.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_pods_and_retries_book_each_client_order_once_on_one_uncrossed_book() {
    let db = Database::new("race");
    let pods: Vec<Arc<PgStore>> = Vec::new();
    let mut pods = pods;
    for _ in 0..3 {
        pods.push(Arc::new(
            PgStore::connect(&db.url, 4, rules()).await.unwrap(),
        ));
    }
    let mut tasks = Vec::new();
    for worker in 0..6 {
        let pods = pods.clone();
        tasks.push(tokio::spawn(async move {
            let mut acks = Vec::new();
            for n in 0..40 {
                // Every order is sent twice, to two different pods: a client retrying after a lost answer.
                let client = format!("w{}-{}", worker % 3, n);
                let side = if (n + worker) % 2 == 0 {
                    Side::Buy
                } else {
                    Side::Sell
                };
                let price = ["39995", "40000", "40005"][(n * 7 + worker) % 3];
                for attempt in 0..2 {
                    let pod = &pods[(worker + n + attempt) % pods.len()];
                    let submission = Submission {
                        account: format!("acct-{}", worker % 3),
                        ..order(Some(&client), side, price, "0.5")
                    };
                    let outcome = pod.submit(submission).await.unwrap();
                    acks.push((client.clone(), outcome));
                }
            }
            acks
        }));
    }
    let mut first_ids: HashMap<String, u64> = HashMap::new();
    for task in tasks {
        for (client, outcome) in task.await.unwrap() {
            let id = match outcome {
                Outcome::Booked(b) | Outcome::Replayed(b) => b.id.0,
                Outcome::Refused(r) => panic!("refused: {r}"),
            };
            // Every acknowledgement of a client id names the same booking.
            assert_eq!(*first_ids.entry(client).or_insert(id), id);
        }
    }
    assert_eq!(first_ids.len(), 120, "three workers share each client id");
    let ids: HashSet<u64> = first_ids.values().copied().collect();
    assert_eq!(ids.len(), 120, "one booking per client id");

    // The recorded history, from the database itself.
    let (client, connection) = tokio_postgres::connect(&db.url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let count: i64 = client
        .query_one("SELECT count(*) FROM engine_orders", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(count, 120);
    let overfilled: i64 = client
        .query_one(
            "SELECT count(*) FROM engine_orders o WHERE o.remaining + \
               coalesce((SELECT sum(quantity) FROM engine_trades t WHERE t.maker = o.id), 0) + \
               coalesce((SELECT sum(quantity) FROM engine_trades t WHERE t.taker = o.id), 0) <> o.quantity",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        overfilled, 0,
        "each order's fills and what rests add up to its quantity"
    );
    let top = pods[0].top().await.unwrap();
    if let (Some(bid), Some(ask)) = (top.best_bid, top.best_ask) {
        assert!(bid < ask, "the book is crossed: bid {bid} ask {ask}");
    }
    // Each account's position is the sum of its fills, whichever pod booked them; all sum to 0.
    let drift: i64 = client
        .query_one(
            "SELECT count(*) FROM (SELECT o.account, sum(CASE WHEN o.side = 'buy' THEN t.quantity \
               ELSE -t.quantity END) AS filled FROM engine_trades t \
               JOIN engine_orders o ON o.id IN (t.taker, t.maker) GROUP BY o.account) f \
             FULL JOIN engine_positions p ON p.account = f.account \
             WHERE coalesce(p.quantity, 0) <> coalesce(f.filled, 0)",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(drift, 0, "positions equal the sum of fills per account");
    let positions = pods[0].positions().await.unwrap();
    assert!(positions.iter().any(|p| p.quantity != Quantity::ZERO));
    let net: i64 = positions.iter().map(|p| p.quantity.units()).sum();
    assert_eq!(net, 0, "every fill has a buyer and a seller");
}

/// Issue 28: the engine's position limit read a per-instrument figure no fill ever moved (always
/// 0): it capped an order's size and nothing else. It is now each account's worst case, its
/// position (the sum of its fills) plus what it rests on the order's side, across every pod and
/// restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_position_limit_holds_per_account_across_pods_and_restarts() {
    let db = Database::new("accounts");
    let blue = PgStore::connect(&db.url, 2, rules()).await.unwrap();
    let green = PgStore::connect(&db.url, 2, rules()).await.unwrap();
    let of = |account: &str, side, price, quantity| Submission {
        account: account.into(),
        ..order(None, side, price, quantity)
    };
    let refusal = |outcome| match outcome {
        Outcome::Refused(reason) => reason,
        other => panic!("expected a refusal, got {other:?}"),
    };
    // A market maker rests 50 to sell on either pod: its limit, counting what rests.
    for n in 0..5 {
        let pod = if n % 2 == 0 { &blue } else { &green };
        booked(
            pod.submit(of("maker", Side::Sell, "40000", "10"))
                .await
                .unwrap(),
        );
    }
    let sixth = green.submit(of("maker", Side::Sell, "40000", "10")).await;
    assert!(refusal(sixth.unwrap()).contains("position would reach -60"));
    // Alice buys it all, 10 at a time on either pod: 50, her limit.
    for n in 0..5 {
        let pod = if n % 2 == 0 { &green } else { &blue };
        let bid = booked(
            pod.submit(of("alice", Side::Buy, "40000", "10"))
                .await
                .unwrap(),
        );
        assert_eq!(bid.account, "alice");
        assert_eq!(bid.trades.len(), 1);
    }
    drop(blue);
    let restarted = PgStore::connect(&db.url, 2, rules()).await.unwrap();
    let more = restarted.submit(of("alice", Side::Buy, "40000", "1")).await;
    assert!(refusal(more.unwrap()).contains("position would reach 51"));
    // Another account is not held by alice's position; alice may still sell.
    booked(
        green
            .submit(of("bob", Side::Buy, "40000", "10"))
            .await
            .unwrap(),
    );
    booked(
        green
            .submit(of("alice", Side::Sell, "40010", "5"))
            .await
            .unwrap(),
    );
    let one = "1".parse::<Quantity>().unwrap().units();
    let positions: Vec<(String, i64, i64, i64)> = restarted
        .positions()
        .await
        .unwrap()
        .into_iter()
        .map(|p| {
            let units = [p.quantity, p.resting_buys, p.resting_sells].map(|q| q.units() / one);
            (p.account, units[0], units[1], units[2])
        })
        .collect();
    assert_eq!(
        positions,
        vec![
            ("alice".to_string(), 50, 0, 5),
            ("bob".to_string(), 0, 10, 0),
            ("maker".to_string(), -50, 0, 0)
        ]
    );
}

fn psql(url: &str, sql: &str) {
    let out = Command::new("psql")
        .args([url, "-v", "ON_ERROR_STOP=1", "-Atc", sql])
        .output()
        .expect("psql runs");
    assert!(
        out.status.success(),
        "{sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn gauge(registry: &prometheus::Registry, name: &str) -> f64 {
    registry
        .gather()
        .iter()
        .find(|f| f.name() == name)
        .map(|f| {
            let m = &f.get_metric()[0];
            if name.ends_with("_total") {
                m.get_counter().get_value()
            } else {
                m.get_gauge().get_value()
            }
        })
        .unwrap_or(f64::NAN)
}

/// The database refusing connections: after five failures the breaker opens and calls fail at
/// once, named; once the database is back and the breaker's time is up, calls succeed again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_breaker_opens_on_repeated_failures_and_closes_when_it_is_back() {
    let db = Database::new("breaker");
    let admin = postgres(&["url"]);
    let store = PgStore::connect(&db.url, 2, rules()).await.unwrap();
    let registry = prometheus::Registry::new();
    store.metrics().register(&registry);
    assert_eq!(gauge(&registry, "circuit_breaker_state"), 0.0);

    psql(
        &admin,
        &format!(
            "ALTER DATABASE \"{}\" WITH ALLOW_CONNECTIONS false",
            db.name
        ),
    );
    psql(
        &admin,
        &format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{}'",
            db.name
        ),
    );
    for n in 0..5 {
        let error = store
            .top()
            .await
            .expect_err("the database refuses connections");
        assert!(
            !error.to_string().contains("circuit open"),
            "call {n}: {error}"
        );
    }
    let started = std::time::Instant::now();
    let error = store.top().await.expect_err("open");
    assert!(error.to_string().contains("circuit open"), "{error}");
    assert!(
        started.elapsed() < std::time::Duration::from_millis(50),
        "an open breaker fails at once"
    );
    assert_eq!(gauge(&registry, "circuit_breaker_state"), 2.0);
    assert_eq!(gauge(&registry, "circuit_breaker_opens_total"), 1.0);

    psql(
        &admin,
        &format!("ALTER DATABASE \"{}\" WITH ALLOW_CONNECTIONS true", db.name),
    );
    tokio::time::sleep(std::time::Duration::from_millis(5200)).await;
    store.top().await.expect("the database is back");
    assert_eq!(gauge(&registry, "circuit_breaker_state"), 0.0);
}

/// The makers are read a page at a time: an order crossing more than a page of them fills across
/// pages, in price-then-time order on both sides, and stops at its limit price.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_crossing_many_makers_fills_across_pages_in_price_time_order() {
    let db = Database::new("pages");
    let store = PgStore::connect(&db.url, 2, rules()).await.unwrap();
    // 40 asks of 0.1: 20 at 40000, then 20 at 40000.5; one more beyond the buy's limit.
    let mut asks = Vec::new();
    for n in 0..40 {
        let price = if n < 20 { "40000" } else { "40000.5" };
        asks.push(
            booked(
                store
                    .submit(order(None, Side::Sell, price, "0.1"))
                    .await
                    .unwrap(),
            )
            .id,
        );
    }
    booked(
        store
            .submit(order(None, Side::Sell, "40001", "5"))
            .await
            .unwrap(),
    );
    let buy = booked(
        store
            .submit(order(None, Side::Buy, "40000.5", "3.5"))
            .await
            .unwrap(),
    );
    let makers: Vec<_> = buy.trades.iter().map(|t| t.maker).collect();
    assert_eq!(makers.len(), 35, "3.5 across 35 makers of 0.1");
    // Price-then-time order across pages; the fill stops at the limit, never at the 40001 ask.
    assert_eq!(makers, asks[..35].to_vec());
    let filled: i64 = buy.trades.iter().map(|t| t.quantity.units()).sum();
    assert_eq!(Quantity(filled), "3.5".parse::<Quantity>().unwrap());
    // And the other way: a sell sweeping resting bids takes the best price first.
    let mut bids = Vec::new();
    for n in 0..20 {
        let price = if n % 2 == 0 { "39999" } else { "39999.5" };
        bids.push((
            price,
            booked(
                store
                    .submit(order(None, Side::Buy, price, "0.1"))
                    .await
                    .unwrap(),
            )
            .id,
        ));
    }
    let sell = booked(
        store
            .submit(order(None, Side::Sell, "39999", "1.5"))
            .await
            .unwrap(),
    );
    let expected: Vec<_> = bids
        .iter()
        .filter(|(p, _)| *p == "39999.5")
        .chain(bids.iter().filter(|(p, _)| *p == "39999"))
        .map(|(_, id)| *id)
        .take(15)
        .collect();
    assert_eq!(
        sell.trades.iter().map(|t| t.maker).collect::<Vec<_>>(),
        expected
    );
    // The resting counts kept on the instrument's row follow every fill: 41 asks less the 35
    // filled, 20 bids less the 15 filled, the sell itself filled in full.
    let top = store.top().await.unwrap();
    assert_eq!((top.resting_bids, top.resting_asks), (5, 6));
}

/// A pod starting beside live bookings: the schema is already applied (by the release's migration
/// Job, or here by the first pod), so the start runs no DDL and queues no lock on the order
/// tables. A transaction holding what every booking holds (ROW EXCLUSIVE on engine_orders) stays
/// open throughout; before, the start's `CREATE INDEX IF NOT EXISTS` waited for it, stalled every
/// later booking behind it, and failed at its 5 s lock_timeout (the pod crash-looped under a busy
/// database). Applied versions are recorded in dbmate's table, so dbmate and the engine agree.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_start_beside_live_bookings_runs_no_ddl_once_the_schema_is_applied() {
    let db = Database::new("start_ddl");
    let first = PgStore::connect(&db.url, 2, rules()).await.unwrap();
    let (booking, connection) = tokio_postgres::connect(&db.url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    booking
        .batch_execute("BEGIN; LOCK TABLE engine_orders IN ROW EXCLUSIVE MODE")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let second = tokio::time::timeout(
        std::time::Duration::from_secs(4),
        PgStore::connect(&db.url, 2, rules()),
    )
    .await
    .expect("the start waited on the order table's lock")
    .unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(4));
    booking.batch_execute("COMMIT").await.unwrap();
    let versions: Vec<String> = booking
        .query(
            "SELECT version FROM engine_schema_migrations ORDER BY version",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(versions, ["20261204000000", "20261205000000"]);
    drop((first, second));
}
