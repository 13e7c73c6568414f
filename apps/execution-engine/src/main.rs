//! Serve the execution engine: `execution-engine` (PORT, default 8080).

use execution_engine::book::OrderBook;
use execution_engine::http::{router, AppState, Engine};
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
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port = std::env::var("PORT").unwrap_or_else(|_| "8080".into());
    let addr = format!(
        "{}:{port}",
        std::env::var("HOST").unwrap_or_else(|_| "0.0.0.0".into())
    );
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    eprintln!("execution-engine listening on {addr}");
    let app = router(AppState::new(default_engine(), env!("CARGO_PKG_VERSION")));
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
