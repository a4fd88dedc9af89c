//! The tender premium (DOMAIN.md §2): the percentage above (Excess) or below (Less) the
//! estimate rates at which the work was let, and how bills and the estimate footer print and
//! apply it. Both the estimate and the bills use it, so it stands on its own.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::money::{format_percent, percent_of, round2};

/// Whether the accepted tender is above (Excess) or below (Less) the estimate rates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TpType {
    /// The contractor quoted above the estimate: the premium is added.
    Excess,
    /// The contractor quoted below the estimate: the premium is deducted.
    Less,
}

/// A tender premium: a percentage in `0..=100` and its direction.
///
/// The fields are private so that an out-of-range percentage cannot be built, nor read from
/// storage: deserializing goes through the same check as [`TenderPremium::new`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "TenderPremiumFields")]
pub struct TenderPremium {
    percent: Decimal,
    kind: TpType,
}

#[derive(Deserialize)]
struct TenderPremiumFields {
    percent: Decimal,
    kind: TpType,
}

impl TryFrom<TenderPremiumFields> for TenderPremium {
    type Error = TenderPremiumError;

    fn try_from(fields: TenderPremiumFields) -> Result<Self, Self::Error> {
        Self::new(fields.percent, fields.kind)
    }
}

/// A tender premium that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TenderPremiumError {
    /// The percentage is below 0 or above 100.
    #[error("tender premium must be between 0 and 100 percent, got {percent} %")]
    OutOfRange {
        /// The percentage given.
        percent: Decimal,
    },
}

impl TenderPremium {
    /// Validates and builds a premium; `percent` must be within `0..=100`.
    pub fn new(percent: Decimal, kind: TpType) -> Result<Self, TenderPremiumError> {
        if percent < Decimal::ZERO || percent > Decimal::ONE_HUNDRED {
            return Err(TenderPremiumError::OutOfRange { percent });
        }
        Ok(Self { percent, kind })
    }

    /// The percentage, `0..=100`.
    pub fn percent(&self) -> Decimal {
        self.percent
    }

    /// Excess or Less.
    pub fn kind(&self) -> TpType {
        self.kind
    }

    /// `ROUND2(base × p/100)`, always positive for a positive base: the figure as printed.
    pub fn amount_on(&self, base: Decimal) -> Decimal {
        percent_of(base, self.percent)
    }

    /// The premium with its effect's sign: added for Excess, subtracted for Less.
    pub fn signed_amount_on(&self, base: Decimal) -> Decimal {
        self.signed(self.amount_on(base))
    }

    /// Applies this premium's sign to an already computed premium figure.
    pub fn signed(&self, premium: Decimal) -> Decimal {
        match self.kind {
            TpType::Excess => premium,
            // Through round2 so that a zero premium never prints as -0.00.
            TpType::Less => round2(-premium),
        }
    }

    /// The bill's T.P label: `Add T.P @ 5 % Excess` or `Deduct T.P @ 4.5 % Less`.
    pub fn bill_label(&self) -> String {
        let percent = format_percent(self.percent);
        match self.kind {
            TpType::Excess => format!("Add T.P @ {percent} % Excess"),
            TpType::Less => format!("Deduct T.P @ {percent} % Less"),
        }
    }

    /// The estimate footer's T.P label: `Add Excess T.P @ 5 %` or `Deduct Less T.P @ 5 %`.
    pub fn estimate_label(&self) -> String {
        let percent = format_percent(self.percent);
        match self.kind {
            TpType::Excess => format!("Add Excess T.P @ {percent} %"),
            TpType::Less => format!("Deduct Less T.P @ {percent} %"),
        }
    }
}

/// The agreement's value: the sanctioned ECV at the rates the work was let, that is the ECV
/// with the agreement's premium added (Excess) or taken off (Less). It is the "contract value"
/// of DOMAIN.md §2a, which caps the security deposit and decides whether GST-TDS is due; the
/// estimate amount is not, since it also carries GST, cess and provisions the contractor is
/// never paid.
pub fn agreement_value(ecv: Decimal, premium: Option<&TenderPremium>) -> Decimal {
    round2(ecv + premium.map_or(Decimal::ZERO, |tp| tp.signed_amount_on(ecv)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn the_agreement_value_is_the_ecv_at_the_tendered_premium() {
        // ECV 1,00,000.00: at 5 % Less the work was let for 95,000.00, at 4.5 % Excess for
        // 1,04,500.00; without a premium, at the estimate's own value.
        let less = TenderPremium::new(dec!(5), TpType::Less).unwrap();
        let excess = TenderPremium::new(dec!(4.5), TpType::Excess).unwrap();
        assert_eq!(agreement_value(dec!(100000), Some(&less)), dec!(95000.00));
        assert_eq!(
            agreement_value(dec!(100000), Some(&excess)),
            dec!(104500.00)
        );
        assert_eq!(agreement_value(dec!(100000), None), dec!(100000.00));
        // The premium is rounded as a bill rounds it: 4.5 % of 7,82,862.84 is 35,228.8278.
        let less = TenderPremium::new(dec!(4.5), TpType::Less).unwrap();
        assert_eq!(
            agreement_value(dec!(782862.84), Some(&less)),
            dec!(747634.01)
        );
    }
}
