//! The 1099 run's own files in `tax1099/`: the IRIS upload files (written,
//! read back and checked), `reconciliation.csv` and the reconciliation PDF.

use std::path::Path;

use rust_decimal::Decimal;

use super::TaxSummary;
use crate::compose::money;
use crate::ops::OpError;
use crate::pipeline::Check;
use crate::render::{PdfSettings, Renderer, Tagging, Template};
use crate::route::RouteError;
use crate::tax1099::iris::{Layout, UploadFile};
use crate::tax1099::ledger::{self, Filing, Ledger, Status};
use crate::tax1099::Payer;

/// What the run's `tax1099/` folder is made from.
pub(super) struct TaxFiles<'a> {
    pub(super) ident: &'a str,
    pub(super) layout: &'a Layout,
    pub(super) payer: &'a Payer,
    pub(super) ledger: &'a Ledger,
    pub(super) identity: &'a ledger::Identity,
    pub(super) summary: &'a TaxSummary,
    pub(super) files: &'a [(UploadFile, &'static str)],
}

impl TaxFiles<'_> {
    /// Writes `tax1099/`: the IRIS upload files (read back and checked),
    /// the reconciliation CSV and PDF.
    pub(super) fn write(&self, dir: &Path, renderer: &Renderer) -> Result<Vec<Check>, OpError> {
        let TaxFiles { ident, layout, payer, ledger, identity, summary, files } = *self;
        let out = dir.join("tax1099");
        std::fs::create_dir_all(&out).map_err(|source| RouteError::Write { path: out.clone(), source })?;
        let write = |name: &str, bytes: &[u8]| -> Result<(), OpError> {
            let path = out.join(name);
            std::fs::write(&path, bytes).map_err(|source| RouteError::Write { path, source })?;
            Ok(())
        };
        let mut read_back = Vec::new();
        for (f, kind) in files {
            write(&f.name, &f.bytes)?;
            let bytes = std::fs::read(out.join(&f.name))
                .map_err(|e| OpError::ReadBack { file: format!("tax1099/{}", f.name), message: e.to_string() })?;
            let rows =
                layout.read_back(&bytes).map_err(|e| OpError::ReadBack { file: format!("tax1099/{}", f.name), message: e.to_string() })?;
            read_back.extend(rows.into_iter().map(|(account, amount)| ((*kind, account), amount)));
        }
        let filed: Decimal = ledger.filed().map(|r| r.amount).sum();
        let rows_back: Decimal = read_back.iter().map(|(_, a)| *a).sum();
        // An account is once among the originals and once among the
        // corrections (a two-step correction has it in both).
        let mut accounts: Vec<&(&str, String)> = read_back.iter().map(|(k, _)| k).collect();
        accounts.sort_unstable();
        accounts.dedup();
        let csv =
            ledger::write_reconciliation(ledger).map_err(|source| OpError::Csv { file: "tax1099/reconciliation.csv".into(), source })?;
        write("reconciliation.csv", &csv)?;
        let pdf = renderer.render(
            Template::Reconciliation,
            &serde_json::json!({ "documents": [reconciliation_data(ledger, identity, summary, payer)], "labels": null }),
            &PdfSettings { ident: format!("{ident}-reconciliation"), date: summary.date, tagging: Tagging::Untagged },
        )?;
        write("reconciliation.pdf", &pdf.pdf)?;
        Ok(vec![
            Check::new("returns in the IRIS files (read back) = returns filed", ledger.filed().count(), read_back.len()),
            Check::new("each return once in the IRIS files (originals, corrections)", read_back.len(), accounts.len()),
            Check::new("box 1 in the IRIS files (read back) = returns filed", filed, rows_back),
            Check::new(
                "returns per IRIS file at most the layout's max_returns",
                true,
                files.iter().all(|(f, _)| f.returns <= layout.max_returns),
            ),
        ])
    }
}

/// What the reconciliation PDF shows (all text, formatted here).
fn reconciliation_data(l: &Ledger, id: &ledger::Identity, s: &TaxSummary, payer: &Payer) -> serde_json::Value {
    let meaning = |st: Status| match st {
        Status::Reported => format!("on a Form 1099-NEC: the recipient TIN's net total is ${} or more", money(s.threshold)),
        Status::BelowThreshold => format!("the recipient TIN's net total is under ${}", money(s.threshold)),
        Status::Exempt => "the payee is exempt (reportable_1099 = N)".to_string(),
        Status::Rejected => "the payment or its payee was rejected: see rejects.csv".to_string(),
    };
    let label = |st: Status| match st {
        Status::Reported => "Reported",
        Status::BelowThreshold => "Below threshold",
        Status::Exempt => "Exempt",
        Status::Rejected => "Rejected records",
    };
    let tallies = l.tallies();
    let filings = [Filing::Original, Filing::Corrected, Filing::Void, Filing::Unchanged].map(|f| {
        let list: Vec<_> = l.returns.iter().filter(|r| r.filing == f).collect();
        let name = match f {
            Filing::Original => "Original returns",
            Filing::Corrected => "Corrected returns",
            Filing::Void => "Corrected to zero (filed in error)",
            Filing::Unchanged => "Unchanged (filed before, nothing sent)",
            // Neither is a return of its own: a two-step correction is a
            // void and an original; a held return is listed below.
            Filing::TwoStep | Filing::Held => "",
        };
        serde_json::json!({ "label": name, "returns": list.len().to_string(), "amount": money(list.iter().map(|r| r.amount).sum()) })
    });
    let count = |what: &str| s.statements.iter().find(|c| c.what == what).map_or(0, |c| c.count).to_string();
    let delivery = [
        ("Mail (print job)", count("mail"), "Copy B in the window envelope".to_string()),
        ("Electronic (consented)", count("electronic"), "in the provider portal; an email says it is there".to_string()),
        ("Cannot be mailed", count("unmailable"), "the address cannot be mailed: see rejects.csv".to_string()),
    ]
    .map(|(a, b, c)| serde_json::json!({ "label": a, "count": b, "meaning": c }));
    serde_json::json!({
        "year": l.year.to_string(),
        "corrected_from": s.corrected_from,
        "payer_confirmed": s.payer_confirmed,
        "payer": payer.lines().into_iter().chain([payer.phone.clone()]).collect::<Vec<_>>(),
        "payer_tin": payer.ein.formatted(),
        "threshold": money(s.threshold),
        "deadline": s.furnish_by.format("%B %-d, %Y").to_string(),
        "date": s.date.format("%B %-d, %Y").to_string(),
        "tallies": Status::ALL.iter().map(|st| {
            let t = tallies.get(st).copied().unwrap_or_default();
            serde_json::json!({ "label": label(*st), "payees": t.payees.to_string(), "payments": t.payments.to_string(), "amount": money(t.amount), "meaning": meaning(*st) })
        }).collect::<Vec<_>>(),
        "sorted": { "payments": id.sorted_payments.to_string(), "amount": money(id.sorted_amount) },
        "input": { "payments": s.payments_of_the_year.payments.to_string(), "amount": money(s.payments_of_the_year.amount), "unreadable": s.payments_of_the_year.unreadable_amounts.to_string() },
        "balanced": id.holds(),
        "filings": filings,
        "delivery": delivery,
        "files": s.files.iter().map(|f| serde_json::json!({ "name": f.file, "returns": f.returns.to_string(), "amount": money(f.amount), "kind": f.kind })).collect::<Vec<_>>(),
        "corrections": l.returns.iter().filter(|r| r.filing.corrected()).map(|r| serde_json::json!({
            "account": r.account.to_string(),
            "name": r.payee.name,
            "previous": r.previous.as_ref().map(|p| money(p.amount)).unwrap_or_default(),
            "amount": money(r.amount),
            "filing": r.filing.code(),
        })).collect::<Vec<_>>(),
        "rejected": l.rows.iter().filter(|r| r.status == Status::Rejected).map(|r| serde_json::json!({
            "payee": r.payee_number, "name": r.name, "payments": r.payments.to_string(), "amount": money(r.amount), "reason": r.reason,
        })).collect::<Vec<_>>(),
        "undated": l.undated.iter().map(|r| serde_json::json!({
            "line": r.raw.line.to_string(), "payment": r.raw.payment_id, "amount": r.raw.amount.map(money).unwrap_or_default(), "reason": r.reason,
        })).collect::<Vec<_>>(),
        "held": l.held.iter().map(|h| serde_json::json!({ "account": h.account, "filed": money(h.filed), "now": money(h.now) })).collect::<Vec<_>>(),
    })
}
