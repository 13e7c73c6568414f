//! Fixed-point decimals: 8 places in an i64, so money never touches binary floats.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use thiserror::Error;

/// Units per whole: 10^8.
pub const SCALE: i64 = 100_000_000;
const PLACES: usize = 8;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum FixedError {
    #[error("not a decimal number: {0:?}")]
    Syntax(String),
    #[error("more than 8 decimal places: {0:?}")]
    TooPrecise(String),
    #[error("out of range: {0:?}")]
    Overflow(String),
}

fn parse_units(text: &str) -> Result<i64, FixedError> {
    let syntax = || FixedError::Syntax(text.to_string());
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(frac) || digits.ends_with('.') {
        return Err(syntax());
    }
    if frac.len() > PLACES {
        return Err(FixedError::TooPrecise(text.to_string()));
    }
    let overflow = || FixedError::Overflow(text.to_string());
    let whole: i64 = whole.parse().map_err(|_| overflow())?;
    let frac: i64 = format!("{frac:0<PLACES$}")
        .parse()
        .expect("at most 8 ASCII digits always fit an i64");
    let units = whole
        .checked_mul(SCALE)
        .and_then(|w| w.checked_add(frac))
        .ok_or_else(overflow)?;
    Ok(if negative { -units } else { units })
}

fn format_units(units: i64, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let sign = if units < 0 { "-" } else { "" };
    let abs = units.unsigned_abs();
    let scale = SCALE as u64;
    let frac = format!("{:0>PLACES$}", abs % scale);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        write!(f, "{sign}{}", abs / scale)
    } else {
        write!(f, "{sign}{}.{frac}", abs / scale)
    }
}

macro_rules! fixed_type {
    ($name:ident) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
        #[serde(into = "String")]
        pub struct $name(pub i64);

        impl $name {
            pub const ZERO: $name = $name(0);

            pub fn units(self) -> i64 {
                self.0
            }

            pub fn is_positive(self) -> bool {
                self.0 > 0
            }

            pub fn checked_add(self, other: $name) -> Option<$name> {
                self.0.checked_add(other.0).map($name)
            }

            pub fn checked_sub(self, other: $name) -> Option<$name> {
                self.0.checked_sub(other.0).map($name)
            }
        }

        impl FromStr for $name {
            type Err = FixedError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                parse_units(s).map($name)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                format_units(self.0, f)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.to_string()
            }
        }
    };
}

fixed_type!(Price);
fixed_type!(Quantity);

impl Price {
    /// Notional of `qty` at this price, in price units, or None on overflow.
    pub fn notional(self, qty: Quantity) -> Option<Price> {
        let wide = (self.0 as i128) * (qty.0 as i128) / (SCALE as i128);
        i64::try_from(wide).ok().map(Price)
    }

    /// Whether the price is a whole multiple of `tick`.
    pub fn is_on_tick(self, tick: Price) -> bool {
        tick.0 > 0 && self.0 % tick.0 == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Price {
        s.parse().unwrap()
    }

    #[test]
    fn parses_and_prints_exactly() {
        assert_eq!(p("40000.25").units(), 4_000_025_000_000);
        assert_eq!(p("40000.25").to_string(), "40000.25");
        assert_eq!(p("-0.00000001").to_string(), "-0.00000001");
        assert_eq!(p("7").to_string(), "7");
        assert_eq!("1.5".parse::<Quantity>().unwrap(), Quantity(150_000_000));
    }

    #[test]
    fn rejects_bad_text() {
        for bad in ["", "abc", "1.", ".5", "1.2.3", "+1", "1e5", "--1"] {
            assert!(
                matches!(bad.parse::<Price>(), Err(FixedError::Syntax(_))),
                "{bad}"
            );
        }
        assert_eq!(
            "0.000000001".parse::<Price>(),
            Err(FixedError::TooPrecise("0.000000001".into()))
        );
        assert!(matches!(
            "99999999999999".parse::<Price>(),
            Err(FixedError::Overflow(_))
        ));
        assert!(matches!(
            "99999999999999999999".parse::<Price>(),
            Err(FixedError::Overflow(_))
        ));
    }

    #[test]
    fn notional_and_ticks() {
        let qty: Quantity = "0.5".parse().unwrap();
        assert_eq!(p("40000").notional(qty), Some(p("20000")));
        assert_eq!(Price(i64::MAX).notional(Quantity(i64::MAX)), None);
        assert!(p("100.25").is_on_tick(p("0.05")));
        assert!(!p("100.26").is_on_tick(p("0.05")));
        assert!(!p("1").is_on_tick(Price::ZERO));
    }

    #[test]
    fn arithmetic_and_serde() {
        assert_eq!(p("1").checked_add(p("2")), Some(p("3")));
        assert_eq!(p("1").checked_sub(p("2")), Some(p("-1")));
        assert_eq!(Price(i64::MAX).checked_add(p("1")), None);
        assert!(p("1").is_positive());
        assert!(!Price::ZERO.is_positive());
        assert_eq!(String::from(p("2.5")), "2.5");
    }
}
