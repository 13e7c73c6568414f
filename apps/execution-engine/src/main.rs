//! Serve the execution engine: `execution-engine` (PORT, default 8080), its trading state in the
//! PostgreSQL database DATABASE_URL names (postgres://user:password@host:port/db; a pool of
//! DATABASE_POOL_SIZE connections, default 8). ENGINE_STATE=memory keeps it in the process instead:
//! a test aid, the planted defect of the proof under traffic, never a deployed configuration.
//! `execution-engine healthcheck` probes a running engine's /healthz (the image's HEALTHCHECK).
//! `execution-engine openapi` prints the OpenAPI document of its HTTP API.

use execution_engine::http::{router, AppState};
use execution_engine::orders::InstrumentSpec;
use execution_engine::risk::RiskLimits;
use execution_engine::store::memory::MemoryStore;
use execution_engine::store::postgres::PgStore;
use execution_engine::store::{Rules, Store};

/// Parse a built-in default; these are constants, so a failure is a bug caught by the first run.
fn fixed<T: std::str::FromStr>(text: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    text.parse().expect("built-in default parses")
}

fn default_rules() -> Rules {
    Rules {
        spec: InstrumentSpec {
            symbol: "BTC-USD".into(),
            tick: fixed("0.5"),
            lot: fixed("0.001"),
            min_quantity: fixed("0.001"),
        },
        limits: RiskLimits {
            max_order_quantity: fixed("10"),
            max_order_notional: fixed("1000000"),
            price_band_bps: 500,
            max_position: fixed("50"),
        },
    }
}

/// The stores the environment names, the instrument's and its synthetic twin's (test traffic's own
/// book): PostgreSQL at DATABASE_URL, or the process (ENGINE_STATE=memory).
async fn open_store() -> std::io::Result<(Store, Store)> {
    let rules = default_rules();
    match std::env::var("ENGINE_STATE").as_deref() {
        Ok("memory") => {
            eprintln!("execution-engine: ENGINE_STATE=memory (test aid): the book and bookings live in this process and die with it");
            let synthetic = Store::Memory(MemoryStore::new(rules.synthetic(), 10_000));
            return Ok((Store::Memory(MemoryStore::new(rules, 10_000)), synthetic));
        }
        Ok("postgres") | Err(_) => {}
        Ok(other) => {
            return Err(std::io::Error::other(format!(
                "ENGINE_STATE={other}: one of postgres (the default) or memory"
            )))
        }
    }
    let url = std::env::var("DATABASE_URL").map_err(|_| {
        std::io::Error::other(
            "DATABASE_URL is not set: the engine keeps its book and bookings in PostgreSQL (postgres://user:password@host:port/database)",
        )
    })?;
    let pool_size = match std::env::var("DATABASE_POOL_SIZE") {
        Ok(text) => text.parse().map_err(|_| {
            std::io::Error::other(format!(
                "DATABASE_POOL_SIZE={text}: a number of connections"
            ))
        })?,
        Err(_) => 8,
    };
    let synthetic = rules.synthetic();
    let database = |e| std::io::Error::other(format!("the engine's database at DATABASE_URL: {e}"));
    let store = PgStore::connect(&url, pool_size, rules)
        .await
        .map_err(database)?;
    let twin = store.sibling(synthetic).await.map_err(database)?;
    Ok((Store::Postgres(store), Store::Postgres(twin)))
}

fn main() -> std::io::Result<()> {
    let port = std::env::var("PORT").unwrap_or_else(|_| "8080".into());
    if std::env::args().nth(1).as_deref() == Some("openapi") {
        // The committed apps/execution-engine/api/openapi.json is this output (checked by api_doc's tests).
        println!("{}", execution_engine::api_doc::document_json());
        return Ok(());
    }
    if std::env::args().nth(1).as_deref() == Some("healthcheck") {
        let addr = format!("127.0.0.1:{port}")
            .parse()
            .map_err(std::io::Error::other)?;
        return execution_engine::healthcheck::probe(addr, std::time::Duration::from_secs(3))
            .map_err(std::io::Error::other);
    }
    serve(port)
}

#[tokio::main]
async fn serve(port: String) -> std::io::Result<()> {
    let addr = format!(
        "{}:{port}",
        std::env::var("HOST").unwrap_or_else(|_| "0.0.0.0".into())
    );
    let (store, synthetic) = open_store().await?;
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    eprintln!("execution-engine listening on {addr}");
    let faults = execution_engine::faults::Faults::from_lookup(|name| std::env::var(name).ok())
        .map_err(std::io::Error::other)?;
    if faults.active() {
        eprintln!(
            "execution-engine: FAULT INJECTION ON (test aid): error rate {}, added latency {} ms",
            faults.error_rate,
            faults.delay.as_millis()
        );
    }
    let app = router(
        AppState::new(store, env!("CARGO_PKG_VERSION"))
            .with_synthetic(synthetic)
            .with_faults(faults),
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
}

/// Ctrl-C, or SIGTERM from Kubernetes or `docker stop`: finish in-flight requests, then exit.
async fn shutdown_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("install SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}
