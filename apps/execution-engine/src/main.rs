//! Serve the execution engine: `execution-engine` (PORT, default 8080).

use execution_engine::book::OrderBook;
use execution_engine::http::{router, AppState, Engine};
use execution_engine::orders::InstrumentSpec;
use execution_engine::risk::RiskLimits;
use market_types::Quantity;

fn default_engine() -> Engine {
    let parse = |s: &str| s.parse().expect("built-in default parses");
    Engine {
        spec: InstrumentSpec {
            symbol: "BTC-USD".into(),
            tick: parse("0.5"),
            lot: "0.001".parse().expect("built-in default parses"),
            min_quantity: "0.001".parse().expect("built-in default parses"),
        },
        limits: RiskLimits {
            max_order_quantity: "10".parse().expect("built-in default parses"),
            max_order_notional: parse("1000000"),
            price_band_bps: 500,
            max_position: "50".parse().expect("built-in default parses"),
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
