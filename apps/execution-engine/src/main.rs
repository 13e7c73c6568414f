//! Serve the execution engine: `execution-engine` (PORT, default 8080).
//! `execution-engine healthcheck` probes a running engine's /healthz (the image's HEALTHCHECK).
//! `execution-engine openapi` prints the OpenAPI document of its HTTP API.

use execution_engine::book::OrderBook;
use execution_engine::http::{router, AppState, Engine};
use execution_engine::journal::Journal;
use execution_engine::orders::InstrumentSpec;
use execution_engine::risk::RiskLimits;
use market_types::Quantity;

/// Parse a built-in default; these are constants, so a failure is a bug caught by the first run.
fn fixed<T: std::str::FromStr>(text: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    text.parse().expect("built-in default parses")
}

fn default_engine() -> Engine {
    Engine {
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
        book: OrderBook::default(),
        position: Quantity::ZERO,
        next_id: 0,
        journal: Journal::with_capacity(10_000),
    }
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
    let app =
        router(AppState::new(default_engine(), env!("CARGO_PKG_VERSION")).with_faults(faults));
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
