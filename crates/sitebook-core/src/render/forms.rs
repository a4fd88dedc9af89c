//! The department's statements and forms as both renderers draw them: the memorandum of
//! payments, the running-account and final bill forms, and the deviation statement's columns.
//!
//! A statement is numbered lines of particulars, how each was worked out, and an amount. A line
//! that follows from lines above it, or from the bill's table, says so ([`Derivation`]), so the
//! workbook writes it as a formula over those cells while the PDF prints the figure: both show
//! the domain's figures, and a spreadsheet that recalculates arrives at the same ones. Figures
//! given to the document (a previous bill's Total, a fixed deduction, a recovery) stay typed.

use rust_decimal::Decimal;

use super::{
    ColumnKind, ColumnSpec, MONEY_WIDTH, QUANTITY_WIDTH, RATE_WIDTH, SERIAL_WIDTH, UNIT_WIDTH,
};
use crate::domain::bill_forms::{AccountOfWork, PaymentAccount};
use crate::domain::deviation::{deviation_statement, DeviationStatement};
use crate::domain::money::CurrencyMark;
use crate::domain::payments::{Base, Memorandum, PaymentTerms};
use crate::domain::workslip::Workslip;

/// The title of the statement that takes a bill's gross to the net payable.
pub const MEMORANDUM_TITLE: &str = "MEMORANDUM OF PAYMENTS";

/// How a line's figure follows from what is above it, so that the workbook writes it as a
/// formula. Lines are named by their index in the statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Derivation {
    /// `ROUND(sum of add − sum of subtract, 2)`.
    Lines {
        /// Lines added.
        add: Vec<usize>,
        /// Lines subtracted.
        subtract: Vec<usize>,
    },
    /// `MIN(ROUND(sum of of × percent / 100, 2), limit)`: a percentage line of the memorandum.
    Percentage {
        /// The lines the percentage is of, summed.
        of: Vec<usize>,
        /// The rate.
        percent: Decimal,
        /// The most the line may take (what a cap leaves), if anything limits it.
        limit: Option<Decimal>,
    },
    /// The bill's till-date Total, in its table above the statement.
    TillDateTotal,
    /// `ROUND(given + sum of lines, 2)` over lines of the bill's memorandum of payments: a bill
    /// form's figure that this bill's memorandum adds to.
    Memorandum {
        /// What earlier bills contributed, a given figure.
        given: Decimal,
        /// The memorandum's lines, by index in [`memorandum_statement`].
        lines: Vec<usize>,
    },
}

/// Which lines of a bill's memorandum of payments (by index in [`memorandum_statement`]) its
/// bill form's payment figures are made of, with what earlier bills gave them, so that the
/// workbook's form follows the memorandum as the memorandum follows the table.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MemorandumLinks {
    /// The additions.
    additions: Vec<usize>,
    /// What earlier bills of the chain added.
    additions_before: Decimal,
    /// The capped lines' deductions: the amount withheld.
    withheld: Vec<usize>,
    /// What earlier bills of the chain withheld.
    held_before: Decimal,
    /// Every other deduction and recovery.
    recoveries: Vec<usize>,
}

impl MemorandumLinks {
    /// The links of the memorandum that `memo` makes with `terms`, split as [`payment_account`]
    /// splits it ([`PaymentTerms::withholds`]).
    ///
    /// [`payment_account`]: crate::domain::bill_forms::payment_account
    pub fn of(memo: &Memorandum, terms: &PaymentTerms) -> Self {
        let first_addition = FIRST_PAYMENT_LINE;
        let first_deduction = first_addition + memo.additions.len();
        let (withheld, recoveries) = memo
            .deductions
            .iter()
            .enumerate()
            .map(|(k, line)| (first_deduction + k, line))
            .partition::<Vec<_>, _>(|(_, line)| terms.withholds(&line.code));
        Self {
            additions: (first_addition..first_deduction).collect(),
            additions_before: terms.additions_before,
            withheld: withheld.into_iter().map(|(index, _)| index).collect(),
            held_before: terms.held_earlier(),
            recoveries: recoveries.into_iter().map(|(index, _)| index).collect(),
        }
    }
}

/// The index of the memorandum's first addition or deduction, after value till date, previous
/// payments and gross.
const FIRST_PAYMENT_LINE: usize = 3;

/// One numbered line of a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormLine {
    /// `1`, `4(a)`, `(iii)`.
    pub number: String,
    /// What the line is.
    pub particulars: String,
    /// How it was worked out.
    pub detail: String,
    /// The figure, printed as given (most lines are positive and say whether they are added or
    /// deducted); `None` leaves the cell empty.
    pub amount: Option<Decimal>,
    /// Bold and tinted: the results the reader looks for.
    pub emphasised: bool,
    /// How the figure follows from the lines above, for the workbook's formula.
    pub derivation: Option<Derivation>,
}

impl FormLine {
    fn given(number: &str, particulars: impl Into<String>, amount: Decimal) -> Self {
        Self {
            number: number.to_owned(),
            particulars: particulars.into(),
            detail: String::new(),
            amount: Some(amount),
            emphasised: false,
            derivation: None,
        }
    }

    fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }

    fn derived(self, add: &[usize], subtract: &[usize]) -> Self {
        self.derived_as(Derivation::Lines {
            add: add.to_vec(),
            subtract: subtract.to_vec(),
        })
    }

    fn derived_as(mut self, derivation: Derivation) -> Self {
        self.derivation = Some(derivation);
        self
    }

    fn emphasised(mut self) -> Self {
        self.emphasised = true;
        self
    }
}

/// A titled statement, with labelled notes printed under it (the net in words).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormStatement {
    /// Printed centred above the lines.
    pub title: String,
    /// The lines in order.
    pub lines: Vec<FormLine>,
    /// `(label, text)` lines under the statement.
    pub notes: Vec<(String, String)>,
}

/// One block of a bill form, in print order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormBlock {
    /// A statement of figures.
    Statement(FormStatement),
    /// A heading, its paragraphs (a certificate, the acquittance) and who signs it, kept
    /// together on one page.
    Text {
        /// The heading.
        heading: String,
        /// The paragraphs.
        paragraphs: Vec<String>,
        /// Signature captions under the text, left to right.
        signed_by: Vec<String>,
    },
}

/// The department's form that accompanies a bill, printed on pages of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillForm {
    /// `RUNNING ACCOUNT BILL` or `FINAL BILL`.
    pub title: String,
    /// The blocks in order.
    pub blocks: Vec<FormBlock>,
}

/// The officers who sign a bill form.
const OFFICERS: [&str; 3] = [
    "Assistant Executive Engineer",
    "Deputy Executive Engineer",
    "Executive Engineer",
];

/// The memorandum of payments (DOMAIN.md §2a) as a statement: value till date, previous
/// payments, this bill's gross, each addition and deduction, and the net by cheque.
pub fn memorandum_statement(memorandum: &Memorandum, mark: CurrencyMark) -> FormStatement {
    let mut lines = vec![
        FormLine::given(
            "1",
            "Total value of work done till date",
            memorandum.value_till_date,
        )
        .derived_as(Derivation::TillDateTotal),
        // The previous bill's till-date Total, a figure of another document (DOMAIN.md ruling:
        // it can be a paisa apart from this bill's previous column).
        FormLine::given(
            "2",
            "Deduct the amount of previous payments",
            memorandum.previous_payments,
        ),
        FormLine::given("3", "Gross amount of this bill", memorandum.gross)
            .detail("1 - 2")
            .derived(&[0], &[1])
            .emphasised(),
    ];
    // a … z, then aa, ab, …: an office may keep more than 26 lines, and no two may share one.
    let letters = (0..).map(line_letter);
    let entries = memorandum
        .additions
        .iter()
        .map(|line| (line, "Add", true))
        .chain(
            memorandum
                .deductions
                .iter()
                .map(|line| (line, "Deduct", false)),
        );
    const GROSS: usize = 2;
    debug_assert_eq!(lines.len(), FIRST_PAYMENT_LINE);
    let (mut added, mut deducted) = (Vec::new(), Vec::new());
    for ((line, verb, is_addition), letter) in entries.zip(letters) {
        let mut printed = FormLine::given(
            &format!("4({letter})"),
            format!("{verb}: {}", line.label),
            line.amount,
        )
        .detail(line.detail.clone());
        if let Some(working) = line.percentage {
            let mut of = vec![GROSS];
            if working.base == Base::GrossWithAdditions {
                of.extend(&added);
            }
            printed = printed.derived_as(Derivation::Percentage {
                of,
                percent: working.percent,
                limit: working.limit,
            });
        }
        if is_addition {
            added.push(lines.len());
        } else {
            deducted.push(lines.len());
        }
        lines.push(printed);
    }
    let mut add = vec![GROSS];
    add.extend(added);
    let detail = if memorandum.additions.is_empty() && memorandum.deductions.is_empty() {
        "3"
    } else {
        "3 + additions - deductions"
    };
    lines.push(
        FormLine::given("5", "Net amount payable by cheque", memorandum.net_payable)
            .detail(detail)
            .derived(&add, &deducted)
            .emphasised(),
    );
    FormStatement {
        title: MEMORANDUM_TITLE.to_owned(),
        lines,
        notes: vec![
            (
                "Net payable by cheque:".to_owned(),
                mark.amount(memorandum.net_payable),
            ),
            ("Net in words:".to_owned(), memorandum.net_in_words.clone()),
        ],
    }
}

/// The payment lines the running-account form and the final memorandum of payment share; the
/// running-account form also states the value of work not yet measured.
fn payment_lines(
    account: &PaymentAccount,
    links: &MemorandumLinks,
    value: (&str, &str),
    with_unmeasured: bool,
) -> Vec<FormLine> {
    let mut lines = vec![
        FormLine::given("1", value.0, account.value_measured)
            .detail(value.1)
            .derived_as(Derivation::TillDateTotal),
        FormLine::given(
            "2",
            "Authorised additions up to date",
            account.authorised_additions,
        )
        .detail("additions of this and earlier bills")
        .derived_as(Derivation::Memorandum {
            given: links.additions_before,
            lines: links.additions.clone(),
        }),
    ];
    if with_unmeasured {
        lines.push(
            FormLine::given(
                "3",
                "Approximate value of work done but not yet measured",
                Decimal::ZERO,
            )
            .detail("nil: all work done is measured"),
        );
    }
    let n = lines.len();
    let number = |k: usize| (k + 1).to_string();
    let measured: Vec<usize> = (0..n).collect();
    lines.push(
        FormLine::given(&number(n), account.withheld_label(), account.withheld)
            .detail("security deposit held up to date")
            .derived_as(Derivation::Memorandum {
                given: links.held_before,
                lines: links.withheld.clone(),
            }),
    );
    let sum_text = (1..=n)
        .map(|k| k.to_string())
        .collect::<Vec<_>>()
        .join(" + ");
    lines.push(
        FormLine::given(
            &number(n + 1),
            "Balance up-to-date payment",
            account.balance_up_to_date(),
        )
        .detail(format!("{sum_text} - {}", n + 1))
        .derived(&measured, &[n])
        .emphasised(),
    );
    lines.push(
        FormLine::given(
            &number(n + 2),
            "Deduct intermediate payments already made",
            account.paid_before,
        )
        .detail("earlier bills, before their recoveries"),
    );
    lines.push(
        FormLine::given(&number(n + 3), "Payment now due", account.payment_now_due)
            .detail(format!("{} - {}", n + 2, n + 3))
            .derived(&[n + 1], &[n + 2])
            .emphasised(),
    );
    let now = n + 3;
    let total = &number(n + 4);
    lines.push(
        FormLine::given(
            &format!("{total}(a)"),
            "By recoveries for this work",
            account.recoveries,
        )
        .detail("deductions in the memorandum, other than the amount withheld")
        .derived_as(Derivation::Memorandum {
            given: Decimal::ZERO,
            lines: links.recoveries.clone(),
        }),
    );
    lines.push(
        FormLine::given(
            &format!("{total}(b)"),
            "By recoveries for other works",
            Decimal::ZERO,
        )
        .detail("nil"),
    );
    lines.push(
        FormLine::given(&format!("{total}(c)"), "By cheque", account.by_cheque)
            .detail(format!("{} - (a) - (b)", n + 4))
            .derived(&[now], &[now + 1, now + 2])
            .emphasised(),
    );
    lines
}

fn cheque_notes(account: &PaymentAccount, mark: CurrencyMark) -> Vec<(String, String)> {
    vec![
        ("By cheque:".to_owned(), mark.amount(account.by_cheque)),
        ("In words:".to_owned(), account.by_cheque_in_words.clone()),
    ]
}

fn officers() -> Vec<String> {
    OFFICERS.iter().map(|s| (*s).to_owned()).collect()
}

fn contractor() -> Vec<String> {
    vec!["Signature of the contractor".to_owned()]
}

fn acquittance(
    heading: &str,
    account: &PaymentAccount,
    in_settlement: &str,
    mark: CurrencyMark,
) -> FormBlock {
    FormBlock::Text {
        heading: heading.to_owned(),
        paragraphs: vec![format!(
            "Received {} ({}) {in_settlement}.",
            mark.amount(account.by_cheque),
            account.by_cheque_in_words
        )],
        signed_by: contractor(),
    }
}

fn measurements_certificate(mb_details: Option<&str>) -> String {
    let recorded = match mb_details {
        Some(details) if !details.trim().is_empty() => {
            format!("were recorded at {}", details.trim())
        }
        _ => "were recorded in the measurement book".to_owned(),
    };
    format!(
        "Certified that the measurements on which this bill is based {recorded}, and that the \
         work has been done as measured and in accordance with the specifications."
    )
}

/// The running-account bill form (DOMAIN.md §2a) of an intermediate bill.
pub fn running_account_form(
    account: &PaymentAccount,
    links: &MemorandumLinks,
    mb_details: Option<&str>,
    mark: CurrencyMark,
) -> BillForm {
    BillForm {
        title: "RUNNING ACCOUNT BILL".to_owned(),
        blocks: vec![
            FormBlock::Statement(FormStatement {
                title: "ACCOUNT OF PAYMENT".to_owned(),
                lines: payment_lines(
                    account,
                    links,
                    (
                        "Value of work measured up to date",
                        "Total value till date, as per this bill",
                    ),
                    true,
                ),
                notes: cheque_notes(account, mark),
            }),
            FormBlock::Text {
                heading: "CERTIFICATE".to_owned(),
                paragraphs: vec![measurements_certificate(mb_details)],
                signed_by: officers(),
            },
            acquittance(
                "ACQUITTANCE",
                account,
                "in intermediate payment for this work",
                mark,
            ),
        ],
    }
}

/// The final bill form (DOMAIN.md §2a): the account of work executed, the certificate, the
/// memorandum of payment, the acquittance and the discharge certificate.
pub fn final_bill_form(
    work: &AccountOfWork,
    account: &PaymentAccount,
    links: &MemorandumLinks,
    mb_details: Option<&str>,
    mark: CurrencyMark,
) -> BillForm {
    let mut lines = vec![
        FormLine::given(
            "(i)",
            "Lumpsum amount in the agreement",
            work.agreement_value,
        )
        .detail("agreement quantities at agreement rates"),
        FormLine::given("(ii)", "Add: authorised extras", work.authorised_extras)
            .detail("supplemental items"),
        FormLine::given("(iii)", "Add: items measured", work.measured_in_excess)
            .detail("excess quantities at agreement rates"),
    ];
    let (mut add, mut subtract) = (vec![0, 1, 2], Vec::new());
    let mut sum = "(i) + (ii) + (iii)".to_owned();
    // Only where a working estimate revised a rate: a line of its own, since a revision is
    // neither a quantity measured nor an extra item.
    if !work.rates_revised.is_zero() {
        let raised = work.rates_revised > Decimal::ZERO;
        let (particulars, sign) = if raised {
            ("Add: rates revised by the working estimate", "+")
        } else {
            ("Deduct: rates revised by the working estimate", "-")
        };
        if raised { &mut add } else { &mut subtract }.push(lines.len());
        lines.push(
            FormLine::given("", particulars, work.rates_revised.abs())
                .detail("quantity × (revised - agreement rate)"),
        );
        sum.push_str(&format!(" {sign} rates revised"));
    }
    subtract.extend([lines.len(), lines.len() + 1]);
    lines.push(
        FormLine::given("(iv)", "Deduct: authorised omissions", work.omissions)
            .detail("agreement items not executed"),
    );
    lines.push(
        FormLine::given(
            "(v)",
            "Deduct: value of items recovered by measurement",
            work.recovered_by_measurement,
        )
        .detail("short quantities at agreement rates"),
    );
    let sub_total = lines.len();
    lines.push(
        FormLine::given("", "Sub total", work.sub_total)
            .detail(format!("{sum} - (iv) - (v)"))
            .derived(&add, &subtract),
    );
    if let Some(tp) = &work.tender_premium {
        // Printed positive, as the bill prints it: the label says whether it is added or
        // deducted, and the net's derivation follows the label.
        let deducted = tp.amount < Decimal::ZERO;
        let premium = lines.len();
        lines.push(FormLine::given("", tp.label.clone(), tp.amount.abs()));
        let (add, subtract) = if deducted {
            (vec![sub_total], vec![premium])
        } else {
            (vec![sub_total, premium], Vec::new())
        };
        lines.push(
            FormLine::given("", "Net total value of work done", work.net_value)
                .derived(&add, &subtract)
                .emphasised(),
        );
    } else {
        lines.push(
            FormLine::given("", "Net total value of work done", work.net_value)
                .derived(&[sub_total], &[])
                .emphasised(),
        );
    }
    let payment = payment_lines(
        account,
        links,
        (
            "Total value of work done",
            "net total value of work done, I above",
        ),
        false,
    );
    BillForm {
        title: "FINAL BILL".to_owned(),
        blocks: vec![
            FormBlock::Statement(FormStatement {
                title: "I. ACCOUNT OF WORK EXECUTED".to_owned(),
                lines,
                notes: Vec::new(),
            }),
            FormBlock::Text {
                heading: "II. CERTIFICATE".to_owned(),
                paragraphs: vec![
                    measurements_certificate(mb_details),
                    "Certified that the work has been completed, and that the final bill \
                     includes every item executed under the agreement."
                        .to_owned(),
                ],
                signed_by: officers(),
            },
            FormBlock::Statement(FormStatement {
                title: "III. MEMORANDUM OF PAYMENT".to_owned(),
                lines: payment,
                notes: cheque_notes(account, mark),
            }),
            acquittance(
                "IV. ACQUITTANCE",
                account,
                "in final settlement of this work",
                mark,
            ),
            FormBlock::Text {
                heading: "DISCHARGE CERTIFICATE".to_owned(),
                paragraphs: vec![format!(
                    "Received from the Executive Engineer the sum of {} ({}) in full and final \
                     settlement of all claims under this agreement. I have no further claim \
                     on this work, except for the return of the amount withheld ({}) when it \
                     falls due.",
                    mark.amount(account.by_cheque),
                    account.by_cheque_in_words,
                    mark.amount(account.withheld)
                )],
                signed_by: contractor(),
            },
        ],
    }
}

/// The lines under a deviation statement, PDF and workbook alike: the sanctioned Grand Total,
/// the working estimate's L.S. provision, and whether a revised sanction is needed.
pub fn deviation_closing(
    statement: &DeviationStatement,
    mark: CurrencyMark,
) -> Vec<(String, String)> {
    let sanction = match statement.revised_sanction_notice() {
        Some(notice) => ("REVISED SANCTION NEEDED:".to_owned(), notice),
        None => (
            "Sanction:".to_owned(),
            "The working estimate is within the sanctioned Grand Total.".to_owned(),
        ),
    };
    vec![
        (
            "Sanctioned Grand Total:".to_owned(),
            mark.amount(statement.sanctioned_grand_total),
        ),
        (
            "L.S. provision towards unforeseen items in the working estimate:".to_owned(),
            mark.amount(statement.ls_provision),
        ),
        sanction,
    ]
}

/// The lines under a work slip, PDF and workbook alike: the Grand Total in words, and, when the
/// working estimate is over the sanction (its L.S. provision negative), the deviation
/// statement's notice, so the working estimate read alone does not look balanced.
pub fn workslip_closing(slip: &Workslip) -> Vec<(String, String)> {
    let mut lines = vec![(
        "Grand Total in words:".to_owned(),
        slip.amount_in_words.clone(),
    )];
    if let Some(notice) = deviation_statement(slip).revised_sanction_notice() {
        lines.push(("REVISED SANCTION NEEDED:".to_owned(), notice));
    }
    lines
}

/// A bill form's sheet in the workbook: No. | Particulars | How worked out | Amount.
pub fn form_columns() -> Vec<ColumnSpec> {
    use ColumnKind::*;
    vec![
        ColumnSpec::new("No.", Serial, 6.0),
        ColumnSpec::new("Particulars", Description, 46.0),
        ColumnSpec::new("How worked out", Remarks, 34.0),
        ColumnSpec::new("Amount", Money, MONEY_WIDTH + 2.0),
    ]
}

/// The deviation statement's columns: Sl.No | Description | Unit | Rate | Sanctioned (Qty,
/// Amount) | Working estimate (Qty, Amount) | Excess | Saving | Remarks.
pub fn deviation_columns() -> Vec<ColumnSpec> {
    use ColumnKind::*;
    const SANCTIONED: &str = "As sanctioned";
    const WORKING: &str = "As per working estimate";
    vec![
        ColumnSpec::new("Sl.No", Serial, SERIAL_WIDTH),
        ColumnSpec::new("Description of Item", Description, 40.0),
        ColumnSpec::new("Unit", Unit, UNIT_WIDTH),
        ColumnSpec::new("Rate", Rate, RATE_WIDTH),
        ColumnSpec::new("Qty", Quantity, QUANTITY_WIDTH).grouped(SANCTIONED),
        ColumnSpec::new("Amount", Money, MONEY_WIDTH)
            .grouped(SANCTIONED)
            .carried(),
        ColumnSpec::new("Qty", Quantity, QUANTITY_WIDTH).grouped(WORKING),
        ColumnSpec::new("Amount", Money, MONEY_WIDTH)
            .grouped(WORKING)
            .carried(),
        ColumnSpec::new("Excess", Money, MONEY_WIDTH).carried(),
        ColumnSpec::new("Saving", Money, MONEY_WIDTH).carried(),
        ColumnSpec::new("Remarks", Remarks, 12.0),
    ]
}

/// Where the deviation statement's figures sit, by column index.
pub mod deviation_col {
    /// Sl.No.
    pub const SERIAL: usize = 0;
    /// Description.
    pub const DESCRIPTION: usize = 1;
    /// Unit.
    pub const UNIT: usize = 2;
    /// Rate.
    pub const RATE: usize = 3;
    /// Sanctioned quantity.
    pub const SANCTIONED_QTY: usize = 4;
    /// Sanctioned amount.
    pub const SANCTIONED_AMOUNT: usize = 5;
    /// Working-estimate quantity.
    pub const WORKING_QTY: usize = 6;
    /// Working-estimate amount.
    pub const WORKING_AMOUNT: usize = 7;
    /// Excess.
    pub const EXCESS: usize = 8;
    /// Saving.
    pub const SAVING: usize = 9;
    /// Remarks.
    pub const REMARKS: usize = 10;
}

/// The letter of the `index`th addition or deduction (from 0): a … z, aa … az, ba … zz, aaa ….
fn line_letter(index: usize) -> String {
    let mut letters = Vec::new();
    let mut n = index + 1;
    while n > 0 {
        let digit = (n - 1) % 26;
        letters.push(char::from(b'a' + u8::try_from(digit).unwrap_or(0)));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::line_letter;

    #[test]
    fn line_letters_run_on_past_z_without_repeating() {
        let letters: Vec<String> = (0..703).map(line_letter).collect();
        assert_eq!(letters[0], "a");
        assert_eq!(letters[25], "z");
        assert_eq!(letters[26], "aa");
        assert_eq!(letters[51], "az");
        assert_eq!(letters[52], "ba");
        assert_eq!(letters[701], "zz");
        assert_eq!(letters[702], "aaa");
        let mut unique = letters.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), letters.len());
    }
}
