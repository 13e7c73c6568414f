//! HTTP surface: health, Prometheus metrics, engine status, and order entry into the book.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Path, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use market_types::{OrderId, Price, Quantity, Side};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder,
};
use serde::{Deserialize, Serialize};

use crate::book::Trade;
use crate::faults::{FaultPlan, Faults};
use crate::journal::{valid_client_order_id, Booked};
use crate::store::{Outcome, Position, Store, StoreError, Submission, UNASSIGNED};

/// Buckets bracket the SLO thresholds used by the deploy analysis (p95 under 500 ms).
const LATENCY_BUCKETS: &[f64] = &[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5];
const KNOWN_ROUTES: &[&str] = &[
    "/healthz",
    "/metrics",
    "/api/status",
    "/api/orders",
    "/api/positions",
];
/// Probes and metrics see the release as it is served: fault injection leaves them alone.
const UNFAULTED_ROUTES: &[&str] = &["/healthz", "/metrics"];

#[derive(Clone)]
pub struct AppState {
    store: Arc<Store>,
    /// The synthetic instrument's own book (see `Rules::synthetic`), when the engine has one.
    synthetic: Option<Arc<Store>>,
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    version: &'static str,
    faults: Faults,
    plan: Arc<FaultPlan>,
}

impl AppState {
    pub fn new(store: Store, version: &'static str) -> AppState {
        let registry = Registry::new();
        store.register(&registry);
        let requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests by route and status code",
            ),
            &["route", "code"],
        )
        .expect("valid metric");
        let latency = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "HTTP request latency")
                .buckets(LATENCY_BUCKETS.to_vec()),
            &["route"],
        )
        .expect("valid metric");
        registry
            .register(Box::new(requests.clone()))
            .expect("unique metric");
        registry
            .register(Box::new(latency.clone()))
            .expect("unique metric");
        AppState {
            store: Arc::new(store),
            synthetic: None,
            registry,
            requests,
            latency,
            version,
            faults: Faults::default(),
            plan: Arc::new(FaultPlan::default()),
        }
    }

    /// The same state with a synthetic instrument's book beside the real one: orders naming it are
    /// booked there (the deploy analysis' load generator writes them to a canary), and nothing the
    /// real instrument serves (status, listing) ever shows them.
    pub fn with_synthetic(self, synthetic: Store) -> AppState {
        AppState {
            synthetic: Some(Arc::new(synthetic)),
            ..self
        }
    }

    /// The same state with fault injection (a test aid; see `faults`).
    pub fn with_faults(self, faults: Faults) -> AppState {
        AppState { faults, ..self }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Status {
    pub version: &'static str,
    pub instrument: String,
    // Serialised as null when absent, never omitted: required in the document.
    #[schema(value_type = Option<String>, pattern = r"^-?\d+(\.\d+)?$", required = true)]
    pub best_bid: Option<Price>,
    // Serialised as null when absent, never omitted: required in the document.
    #[schema(value_type = Option<String>, pattern = r"^-?\d+(\.\d+)?$", required = true)]
    pub best_ask: Option<Price>,
    pub resting_bids: usize,
    pub resting_asks: usize,
    /// Deprecated, always "0": positions are per account (`GET /api/positions`). Kept while a
    /// dashboard release that reads it may still be live; dropped by a later release.
    #[schema(value_type = String, pattern = r"^-?\d+(\.\d+)?$")]
    #[deprecated]
    pub position: Quantity,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Positions {
    pub positions: Vec<Position>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewOrder {
    /// The participant the order is booked for (absent: "unassigned"): the position limit is
    /// checked against this account's position, the sum of its fills.
    #[serde(default)]
    #[schema(pattern = "^[A-Za-z0-9_-]{1,64}$")]
    pub account: Option<String>,
    /// The engine's instrument, or its synthetic twin `<instrument>.SYNTHETIC` (a book of its own
    /// for test traffic); other instruments are refused (absent: the engine's own).
    #[serde(default)]
    pub instrument: Option<String>,
    /// The client's id for this order: a retry with the same id gets the first booking back.
    #[serde(default)]
    #[schema(pattern = "^[A-Za-z0-9_-]{1,64}$")]
    pub client_order_id: Option<String>,
    #[schema(value_type = crate::api_doc::SideDoc)]
    pub side: Side,
    /// A decimal on the instrument's tick, e.g. "40000.5".
    #[schema(pattern = r"^\d+(\.\d+)?$", example = "40000.5")]
    pub price: String,
    /// A decimal in the instrument's lots, e.g. "0.25".
    #[schema(pattern = r"^\d+(\.\d+)?$", example = "0.25")]
    pub quantity: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Accepted {
    #[schema(value_type = u64)]
    pub id: OrderId,
    #[schema(required = true)]
    pub client_order_id: Option<String>,
    pub trades: Vec<Trade>,
}

impl From<&Booked> for Accepted {
    fn from(booked: &Booked) -> Accepted {
        Accepted {
            id: booked.id,
            client_order_id: booked.client_order_id.clone(),
            trades: booked.trades.clone(),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Orders {
    pub orders: Vec<Booked>,
}

/// The database did not answer: 503, so a probe, a load balancer and a client's retry see it.
fn unavailable(e: StoreError) -> Response {
    (StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response()
}

/// How many bookings `GET /api/orders` lists, newest first.
const LISTED_ORDERS: usize = 100;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi))
        .route("/api/status", get(status))
        .route("/api/orders", post(submit).get(orders))
        .route("/api/orders/{client_order_id}", get(booking))
        .route("/api/positions", get(positions))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .with_state(state)
}

async fn observe(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let route = KNOWN_ROUTES
        .iter()
        .find(|r| **r == path)
        .copied()
        .or_else(|| {
            path.starts_with("/api/orders/")
                .then_some("/api/orders/{client_order_id}")
        })
        .unwrap_or("other");
    let started = Instant::now();
    let faulted = state.faults.active() && !UNFAULTED_ROUTES.contains(&route);
    if faulted && !state.faults.delay.is_zero() {
        tokio::time::sleep(state.faults.delay).await;
    }
    let response = if faulted && state.plan.next_fails(state.faults.error_rate) {
        (StatusCode::INTERNAL_SERVER_ERROR, "injected fault").into_response()
    } else {
        next.run(request).await
    };
    state
        .latency
        .with_label_values(&[route])
        .observe(started.elapsed().as_secs_f64());
    state
        .requests
        .with_label_values(&[route, response.status().as_str()])
        .inc();
    response
}

#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "The process is up", content_type = "text/plain", body = String)))]
pub(crate) async fn healthz() -> &'static str {
    "ok"
}

async fn openapi() -> Response {
    Json(crate::api_doc::document()).into_response()
}

#[utoipa::path(get, path = "/metrics", responses((status = 200, description = "Prometheus text exposition", content_type = "text/plain", body = String)))]
pub(crate) async fn metrics(State(state): State<AppState>) -> Response {
    let mut body = Vec::new();
    let encoder = TextEncoder::new();
    match encoder.encode(&state.registry.gather(), &mut body) {
        Ok(()) => (
            [(header::CONTENT_TYPE, encoder.format_type().to_string())],
            body,
        )
            .into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

#[utoipa::path(get, path = "/api/status", responses((status = 200, description = "The book's top and the engine's version", body = Status)))]
pub(crate) async fn status(State(state): State<AppState>) -> Response {
    let top = match state.store.top().await {
        Ok(top) => top,
        Err(e) => return unavailable(e),
    };
    Json(Status {
        version: state.version,
        instrument: state.store.symbol().to_string(),
        best_bid: top.best_bid,
        best_ask: top.best_ask,
        resting_bids: top.resting_bids,
        resting_asks: top.resting_asks,
        #[allow(deprecated)]
        position: Quantity::ZERO,
    })
    .into_response()
}

#[utoipa::path(get, path = "/api/positions", responses(
    (status = 200, description = "Every account's position in the instrument: bought less sold over its fills", body = Positions),
))]
pub(crate) async fn positions(State(state): State<AppState>) -> Response {
    match state.store.positions().await {
        Ok(positions) => Json(Positions { positions }).into_response(),
        Err(e) => unavailable(e),
    }
}

fn parse<T: std::str::FromStr>(field: &str, raw: &str) -> Result<T, String>
where
    T::Err: std::fmt::Display,
{
    raw.parse().map_err(|e: T::Err| format!("{field}: {e}"))
}

#[utoipa::path(get, path = "/api/orders", responses((status = 200, description = "The last 100 bookings, newest first", body = Orders)))]
pub(crate) async fn orders(State(state): State<AppState>) -> Response {
    match state.store.recent(LISTED_ORDERS).await {
        Ok(orders) => Json(Orders { orders }).into_response(),
        Err(e) => unavailable(e),
    }
}

#[utoipa::path(get, path = "/api/orders/{client_order_id}",
    params(("client_order_id" = String, Path, description = "The client's id of the order")),
    responses(
        (status = 200, description = "The booking made for this client order id", body = Booked),
        (status = 404, description = "No booking has this client order id", content_type = "text/plain", body = String),
    ))]
pub(crate) async fn booking(
    State(state): State<AppState>,
    Path(client_order_id): Path<String>,
) -> Response {
    match state.store.find(&client_order_id).await {
        Ok(Some(booked)) => Json(booked).into_response(),
        Ok(None) => (
            StatusCode::NOT_FOUND,
            format!("no booking has client order id {client_order_id}"),
        )
            .into_response(),
        Err(e) => unavailable(e),
    }
}

#[utoipa::path(post, path = "/api/orders", request_body = NewOrder, responses(
    (status = 201, description = "Booked: the order id and the trades it matched at once", body = Accepted),
    (status = 200, description = "A retry of a client order id already booked: the first booking", body = Accepted),
    (status = 400, description = "A price, quantity or client order id that does not parse", content_type = "text/plain", body = String),
    (status = 415, description = "The body is not declared as JSON", content_type = "text/plain", body = String),
    (status = 422, description = "Refused: unknown instrument, off tick or lot, or a pre-trade risk limit", content_type = "text/plain", body = String),
))]
pub(crate) async fn submit(State(state): State<AppState>, Json(new): Json<NewOrder>) -> Response {
    let (price, quantity) = match (parse("price", &new.price), parse("quantity", &new.quantity)) {
        (Ok(p), Ok(q)) => (p, q),
        (Err(e), _) | (_, Err(e)) => return (StatusCode::BAD_REQUEST, e).into_response(),
    };
    if let Some(client) = &new.client_order_id {
        if !valid_client_order_id(client) {
            let reason = "client_order_id: 1 to 64 letters, digits, '-' or '_'";
            return (StatusCode::BAD_REQUEST, reason).into_response();
        }
    }
    if let Some(account) = &new.account {
        if !valid_client_order_id(account) {
            let reason = "account: 1 to 64 letters, digits, '-' or '_'";
            return (StatusCode::BAD_REQUEST, reason).into_response();
        }
    }
    let submission = Submission {
        account: new.account.unwrap_or_else(|| UNASSIGNED.to_string()),
        client_order_id: new.client_order_id,
        instrument: new.instrument,
        side: new.side,
        price,
        quantity,
    };
    // The synthetic instrument's orders go to its own book, with the same rules and limits.
    let store = match (&state.synthetic, submission.instrument.as_deref()) {
        (Some(synthetic), Some(instrument)) if instrument == synthetic.symbol() => synthetic,
        _ => &state.store,
    };
    match store.submit(submission).await {
        Ok(Outcome::Booked(booked)) => {
            (StatusCode::CREATED, Json(Accepted::from(&booked))).into_response()
        }
        // A retry of an order already booked: the first booking, not a second order.
        Ok(Outcome::Replayed(first)) => {
            (StatusCode::OK, Json(Accepted::from(&first))).into_response()
        }
        Ok(Outcome::Refused(reason)) => (StatusCode::UNPROCESSABLE_ENTITY, reason).into_response(),
        Err(e) => unavailable(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::orders::InstrumentSpec;
    use crate::risk::RiskLimits;
    use crate::store::memory::MemoryStore;
    use crate::store::Rules;
    use axum::body::Body;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    fn app() -> Router {
        app_with(Faults::default())
    }

    fn app_with(faults: Faults) -> Router {
        let rules = test_rules();
        let engine = Store::Memory(MemoryStore::new(rules, 100));
        router(AppState::new(engine, "test").with_faults(faults))
    }

    fn test_rules() -> Rules {
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

    #[tokio::test]
    async fn synthetic_orders_trade_on_their_own_book_and_never_show_on_the_real_one() {
        let rules = test_rules();
        let synthetic = Store::Memory(MemoryStore::new(rules.synthetic(), 100));
        let engine = Store::Memory(MemoryStore::new(rules, 100));
        let app = router(AppState::new(engine, "test").with_synthetic(synthetic));
        let order = |id: &str, side: &str| {
            format!(
                r#"{{"instrument":"BTC-USD.SYNTHETIC","client_order_id":"{id}","side":"{side}","price":"100","quantity":"0.001"}}"#
            )
        };
        let (code, _) = call(&app, "POST", "/api/orders", &order("load-1", "buy")).await;
        assert_eq!(code, StatusCode::CREATED);
        let (code, sold) = call(&app, "POST", "/api/orders", &order("load-2", "sell")).await;
        assert_eq!(code, StatusCode::CREATED);
        let sold: serde_json::Value = serde_json::from_str(&sold).unwrap();
        assert_eq!(sold["trades"].as_array().unwrap().len(), 1, "{sold}");
        // A retry of a synthetic client id gets its first booking back, as a real one does.
        let (code, _) = call(&app, "POST", "/api/orders", &order("load-2", "sell")).await;
        assert_eq!(code, StatusCode::OK);
        let (_, status) = call(&app, "GET", "/api/status", "").await;
        let status: serde_json::Value = serde_json::from_str(&status).unwrap();
        assert_eq!(
            (
                &status["instrument"],
                &status["best_bid"],
                &status["position"]
            ),
            (
                &serde_json::json!("BTC-USD"),
                &serde_json::Value::Null,
                &serde_json::json!("0")
            ),
            "{status}"
        );
        let (_, listed) = call(&app, "GET", "/api/orders", "").await;
        assert_eq!(listed, r#"{"orders":[]}"#);
        // Without a synthetic book the twin is an unknown instrument like any other.
        let (code, reason) = call(
            &app_with(Faults::default()),
            "POST",
            "/api/orders",
            &order("load-3", "buy"),
        )
        .await;
        assert_eq!(
            (code, reason.as_str()),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown instrument BTC-USD.SYNTHETIC: this engine trades BTC-USD"
            )
        );
    }

    #[tokio::test]
    async fn each_accounts_position_moves_with_its_fills_and_holds_its_limit() {
        let app = router(AppState::new(
            Store::Memory(MemoryStore::new(test_rules(), 100)),
            "test",
        ));
        let order = |account: &str, side: &str, quantity: &str| {
            format!(
                r#"{{"account":"{account}","side":"{side}","price":"40000","quantity":"{quantity}"}}"#
            )
        };
        // The maker rests 50 to sell (its limit, counting what rests); a sixth is refused.
        for _ in 0..5 {
            let (code, _) = call(&app, "POST", "/api/orders", &order("mm", "sell", "10")).await;
            assert_eq!(code, StatusCode::CREATED);
        }
        let (code, reason) = call(&app, "POST", "/api/orders", &order("mm", "sell", "10")).await;
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reason.contains("position would reach -60"), "{reason}");
        // Alice takes 45; her next 10 would make 55.
        for quantity in ["10", "10", "10", "10", "5"] {
            let (code, _) = call(
                &app,
                "POST",
                "/api/orders",
                &order("alice", "buy", quantity),
            )
            .await;
            assert_eq!(code, StatusCode::CREATED, "{quantity}");
        }
        let (code, reason) = call(&app, "POST", "/api/orders", &order("alice", "buy", "10")).await;
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reason.contains("position would reach 55"), "{reason}");
        // An order without an account is booked for "unassigned"; a malformed account is refused.
        let (code, _) = call(
            &app,
            "POST",
            "/api/orders",
            r#"{"side":"buy","price":"40000","quantity":"1"}"#,
        )
        .await;
        assert_eq!(code, StatusCode::CREATED);
        let (code, reason) = call(&app, "POST", "/api/orders", &order("a b", "buy", "1")).await;
        assert_eq!(
            (code, reason.as_str()),
            (
                StatusCode::BAD_REQUEST,
                "account: 1 to 64 letters, digits, '-' or '_'"
            )
        );
        let (_, positions) = call(&app, "GET", "/api/positions", "").await;
        let positions: serde_json::Value = serde_json::from_str(&positions).unwrap();
        let figures: Vec<_> = positions["positions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                format!(
                    "{} {} {} {}",
                    p["account"], p["quantity"], p["resting_buys"], p["resting_sells"]
                )
            })
            .collect();
        assert_eq!(
            figures,
            [
                r#""alice" "45" "0" "0""#,
                r#""mm" "-46" "0" "4""#,
                r#""unassigned" "1" "0" "0""#
            ]
        );
    }

    async fn call(app: &Router, method: &str, uri: &str, body: &str) -> (StatusCode, String) {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let response = app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn injected_faults_fail_and_slow_service_routes_but_not_probes() {
        let faults = Faults {
            error_rate: 0.5,
            delay: std::time::Duration::from_millis(20),
        };
        let app = app_with(faults);
        let started = Instant::now();
        let mut codes = Vec::new();
        for _ in 0..4 {
            codes.push(call(&app, "GET", "/api/status", "").await.0);
        }
        assert!(started.elapsed() >= std::time::Duration::from_millis(80));
        codes.sort();
        assert_eq!(
            codes,
            vec![
                StatusCode::OK,
                StatusCode::OK,
                StatusCode::INTERNAL_SERVER_ERROR,
                StatusCode::INTERNAL_SERVER_ERROR
            ]
        );
        for _ in 0..4 {
            assert_eq!(call(&app, "GET", "/healthz", "").await.0, StatusCode::OK);
        }
        let (_, body) = call(&app, "GET", "/metrics", "").await;
        assert!(
            body.contains(r#"http_requests_total{code="500",route="/api/status"} 2"#),
            "{body}"
        );
        assert!(
            body.contains(r#"http_requests_total{code="200",route="/healthz"} 4"#),
            "{body}"
        );
    }

    #[tokio::test]
    async fn a_booking_is_found_by_its_client_order_id() {
        let app = app();
        let body = r#"{"client_order_id":"look-1","side":"sell","price":"40000","quantity":"1"}"#;
        let (code, created) = call(&app, "POST", "/api/orders", body).await;
        assert_eq!(code, StatusCode::CREATED);
        let created: serde_json::Value = serde_json::from_str(&created).unwrap();
        // A later buy takes a quarter of it: the booking read back says what still rests.
        let taker = r#"{"side":"buy","price":"40000","quantity":"0.25"}"#;
        assert_eq!(
            call(&app, "POST", "/api/orders", taker).await.0,
            StatusCode::CREATED
        );
        let (code, found) = call(&app, "GET", "/api/orders/look-1", "").await;
        assert_eq!(code, StatusCode::OK);
        let found: serde_json::Value = serde_json::from_str(&found).unwrap();
        assert_eq!(found["id"], created["id"]);
        assert_eq!(found["client_order_id"], "look-1");
        assert_eq!(
            (&found["quantity"], &found["remaining"]),
            (&serde_json::json!("1"), &serde_json::json!("0.75"))
        );
        let (code, missing) = call(&app, "GET", "/api/orders/never", "").await;
        assert_eq!(
            (code, missing.as_str()),
            (
                StatusCode::NOT_FOUND,
                "no booking has client order id never"
            )
        );
        let (_, metrics) = call(&app, "GET", "/metrics", "").await;
        assert!(
            metrics.contains(r#"route="/api/orders/{client_order_id}"} 2"#),
            "{metrics}"
        );
    }

    #[tokio::test]
    async fn the_openapi_document_is_served() {
        let (code, body) = call(&app(), "GET", "/openapi.json", "").await;
        assert_eq!(code, StatusCode::OK);
        let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(doc["info"]["title"], "execution-engine");
        assert!(doc["paths"]["/api/orders"]["post"].is_object());
    }

    #[tokio::test]
    async fn healthz_and_metrics_count_requests() {
        let app = app();
        assert_eq!(
            call(&app, "GET", "/healthz", "").await,
            (StatusCode::OK, "ok".into())
        );
        call(&app, "GET", "/missing", "").await;
        let (code, body) = call(&app, "GET", "/metrics", "").await;
        assert_eq!(code, StatusCode::OK);
        assert!(
            body.contains(r#"http_requests_total{code="200",route="/healthz"} 1"#),
            "{body}"
        );
        assert!(
            body.contains(r#"http_requests_total{code="404",route="other"} 1"#),
            "{body}"
        );
        assert!(
            body.contains("http_request_duration_seconds_bucket"),
            "{body}"
        );
    }

    #[tokio::test]
    async fn orders_match_and_status_reports_the_book() {
        let app = app();
        let (code, _) = call(
            &app,
            "POST",
            "/api/orders",
            r#"{"side":"sell","price":"40000","quantity":"1"}"#,
        )
        .await;
        assert_eq!(code, StatusCode::CREATED);
        call(
            &app,
            "POST",
            "/api/orders",
            r#"{"side":"buy","price":"39990","quantity":"1"}"#,
        )
        .await;
        let (code, body) = call(
            &app,
            "POST",
            "/api/orders",
            r#"{"side":"buy","price":"40000","quantity":"0.25"}"#,
        )
        .await;
        assert_eq!(code, StatusCode::CREATED);
        assert!(
            body.contains(r#""trades":[{"maker":1,"taker":3,"price":"40000","quantity":"0.25"}]"#),
            "{body}"
        );
        let (_, status) = call(&app, "GET", "/api/status", "").await;
        let v: serde_json::Value = serde_json::from_str(&status).unwrap();
        assert_eq!(v["best_ask"], "40000");
        assert_eq!(v["best_bid"], "39990");
        assert_eq!(v["resting_asks"], 1);
        assert_eq!(v["version"], "test");
    }

    #[tokio::test]
    async fn bad_orders_are_refused_with_reasons() {
        let app = app();
        let (code, body) = call(
            &app,
            "POST",
            "/api/orders",
            r#"{"side":"buy","price":"abc","quantity":"1"}"#,
        )
        .await;
        assert_eq!(
            (code, body.as_str()),
            (
                StatusCode::BAD_REQUEST,
                r#"price: not a decimal number: "abc""#
            )
        );
        let (code, _) = call(
            &app,
            "POST",
            "/api/orders",
            r#"{"side":"buy","price":"1","quantity":"x"}"#,
        )
        .await;
        assert_eq!(code, StatusCode::BAD_REQUEST);
        let (code, body) = call(
            &app,
            "POST",
            "/api/orders",
            r#"{"side":"buy","price":"100.2","quantity":"1"}"#,
        )
        .await;
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("tick"), "{body}");
        let (code, body) = call(
            &app,
            "POST",
            "/api/orders",
            r#"{"side":"buy","price":"100","quantity":"11"}"#,
        )
        .await;
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("per-order maximum"), "{body}");
    }

    #[tokio::test]
    async fn a_retried_client_order_id_gets_the_first_booking_not_a_second_order() {
        let app = app();
        let order = r#"{"instrument":"BTC-USD","client_order_id":"agents-1","side":"buy","price":"100","quantity":"1"}"#;
        let (code, first) = call(&app, "POST", "/api/orders", order).await;
        assert_eq!(code, StatusCode::CREATED, "{first}");
        let (code, again) = call(&app, "POST", "/api/orders", order).await;
        assert_eq!((code, again.as_str()), (StatusCode::OK, first.as_str()));
        let (_, status) = call(&app, "GET", "/api/status", "").await;
        let v: serde_json::Value = serde_json::from_str(&status).unwrap();
        assert_eq!(v["resting_bids"], 1);
        call(
            &app,
            "POST",
            "/api/orders",
            r#"{"side":"sell","price":"101","quantity":"2"}"#,
        )
        .await;
        let (code, listed) = call(&app, "GET", "/api/orders", "").await;
        assert_eq!(code, StatusCode::OK);
        let v: serde_json::Value = serde_json::from_str(&listed).unwrap();
        let orders = v["orders"].as_array().unwrap();
        assert_eq!(orders.len(), 2);
        assert_eq!(orders[0]["id"], 2);
        assert_eq!(orders[0]["client_order_id"], serde_json::Value::Null);
        assert_eq!(orders[1]["client_order_id"], "agents-1");
        assert_eq!(orders[1]["instrument"], "BTC-USD");
        assert_eq!(orders[1]["side"], "buy");
        assert_eq!(orders[1]["quantity"], "1");
    }

    #[tokio::test]
    async fn other_instruments_and_malformed_client_ids_are_refused_and_not_booked() {
        let app = app();
        let (code, body) = call(
            &app,
            "POST",
            "/api/orders",
            r#"{"instrument":"ETH-USD","side":"buy","price":"100","quantity":"1"}"#,
        )
        .await;
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body,
            "unknown instrument ETH-USD: this engine trades BTC-USD"
        );
        let (code, body) = call(
            &app,
            "POST",
            "/api/orders",
            r#"{"client_order_id":"a b","side":"buy","price":"100","quantity":"1"}"#,
        )
        .await;
        assert_eq!(code, StatusCode::BAD_REQUEST);
        assert!(body.starts_with("client_order_id:"), "{body}");
        let (_, listed) = call(&app, "GET", "/api/orders", "").await;
        assert_eq!(listed, r#"{"orders":[]}"#);
    }
}
