//! The engine's OpenAPI document (served at `/openapi.json`), derived from the handlers and types.

use utoipa::OpenApi;

use crate::book::Trade;
use crate::http::{Accepted, NewOrder, Orders, Positions, Status};
use crate::journal::Booked;
use crate::store::Position;

/// An order's side, as the JSON carries it.
#[derive(utoipa::ToSchema)]
#[schema(as = Side)]
#[allow(dead_code)] // a schema only: market_types::Side is the type in use
pub enum SideDoc {
    #[schema(rename = "buy")]
    Buy,
    #[schema(rename = "sell")]
    Sell,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "execution-engine",
        description = "Order entry into the book, engine status, health and metrics."
    ),
    paths(
        crate::http::healthz,
        crate::http::metrics,
        crate::http::status,
        crate::http::orders,
        crate::http::booking,
        crate::http::submit,
        crate::http::positions
    ),
    components(schemas(
        Status, NewOrder, Accepted, Orders, Booked, Trade, SideDoc, Positions, Position
    ))
)]
struct ApiDoc;

pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    doc.info.license = None; // the crate's UNLICENSED is not an SPDX identifier
    for item in doc.paths.paths.values_mut() {
        for op in [&mut item.get, &mut item.post].into_iter().flatten() {
            op.tags = Some(vec!["execution-engine".into()]);
        }
    }
    doc
}

/// The document as pretty JSON, as committed in apps/execution-engine/api/openapi.json.
pub fn document_json() -> String {
    serde_json::to_string_pretty(&document()).expect("the document serialises")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_document_is_the_one_the_code_describes() {
        // After an API change: npx nx run execution-engine:openapi
        let committed = include_str!("../api/openapi.json");
        assert!(
            committed.trim_end() == document_json(),
            "apps/execution-engine/api/openapi.json is stale: regenerate it with `npx nx run execution-engine:openapi`"
        );
    }

    #[test]
    fn the_document_names_every_route_and_the_order_schema() {
        let doc = serde_json::to_value(document()).unwrap();
        let paths: Vec<_> = doc["paths"].as_object().unwrap().keys().cloned().collect();
        assert_eq!(
            paths,
            vec![
                "/api/orders",
                "/api/orders/{client_order_id}",
                "/api/positions",
                "/api/status",
                "/healthz",
                "/metrics"
            ]
        );
        let new_order = &doc["components"]["schemas"]["NewOrder"];
        assert_eq!(
            new_order["required"],
            serde_json::json!(["side", "price", "quantity"])
        );
        assert_eq!(
            doc["components"]["schemas"]["Side"]["enum"],
            serde_json::json!(["buy", "sell"])
        );
    }
}
