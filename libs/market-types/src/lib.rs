//! Exact market values shared by the Rust services.

mod fixed;
mod side;

pub use fixed::{FixedError, Price, Quantity, SCALE};
pub use side::Side;

/// Exchange-assigned order identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct OrderId(pub u64);
