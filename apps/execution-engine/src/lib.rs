//! The execution engine: validate, risk-check, match and route orders.

pub mod api_doc;
pub mod book;
pub mod faults;
pub mod gateway;
pub mod healthcheck;
pub mod http;
pub mod journal;
pub mod matching;
pub mod orders;
pub mod risk;
pub mod store;
