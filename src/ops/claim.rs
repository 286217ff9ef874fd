//! `ssps claim`: checks a month's claims against attendance with the
//! booklet's billing rules ([`crate::claim`]), and with `--out` writes a
//! claim worksheet PDF per provider, `claims.csv`, `rejects.csv` and
//! `summary.json`.
//!
//! load → validate → [`crate::claim::check`] → (render worksheets). Exit
//! status 0 when every claim of the month is correct, 1 when any is not
//! (or a record was rejected), 2 when the check cannot run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{require, OpError, Outcome};
use crate::claim::{self, MonthCheck, Verdict};
use crate::load;
use crate::model::Month;
use crate::render::{PdfSettings, Renderer, Tagging, Template};
use crate::route::RouteError;
use crate::shard::{self, Split};

/// What `ssps claim` is asked to do.
#[derive(Debug, Clone)]
pub struct ClaimRun {
    /// The extract folder.
    pub data: PathBuf,
    /// The service month.
    pub month: Month,
    /// Where to write the worksheets (none: print only).
    pub out: Option<PathBuf>,
    /// Templates and data files (the holidays): embedded or overridden.
    pub assets: crate::assets::Assets,
    /// The whole run, a shard of its worksheets, or the merge of its shards.
    pub split: crate::shard::Split,
}

/// `summary.json` of a claim check.
#[derive(Debug, Serialize)]
pub struct ClaimSummary {
    /// `claim`.
    pub run: &'static str,
    /// The month.
    pub month: Month,
    /// Lines worked out (attendance or a claim in the month).
    pub lines: usize,
    /// Claims judged.
    pub claims: usize,
    /// Of which correct.
    pub correct: usize,
    /// Over.
    pub over: usize,
    /// Under.
    pub under: usize,
    /// Claims for the month whose line is not in the extract (rejected or
    /// missing): not judged.
    pub unjudged: usize,
    /// Rows rejected by validation in authorizations.csv, attendance.csv
    /// and invoice_claims.csv (the files the check reads).
    pub rejected_records: usize,
    /// Worksheets written.
    pub worksheets: usize,
    /// Templates and data files replaced with `--assets`, each with its
    /// SHA-256.
    pub assets: Vec<crate::assets::Overridden>,
}

/// What `ssps claim` found and made.
pub struct Checked {
    /// The month worked out.
    pub month: MonthCheck,
    /// Its summary.
    pub summary: ClaimSummary,
    /// The outcome.
    pub outcome: Outcome,
    /// What a shard rendered (`--shard`: then only its worksheets and its
    /// record were written).
    pub shard: Option<crate::shard::ShardReport>,
}

/// Runs the check: the month worked out, its summary, and the outcome. A
/// shard that fails leaves a record saying so.
pub fn run(req: &ClaimRun) -> Result<Checked, OpError> {
    let result = run_split(req);
    if let (Err(e), Split::Shard(s), Some(out)) = (&result, &req.split, &req.out) {
        crate::pipeline::split::record_failure(out, &req.data, s, "claim", &format!("ssps-claim-{}", req.month), e);
    }
    result
}

fn run_split(req: &ClaimRun) -> Result<Checked, OpError> {
    if matches!(req.split, Split::Shard(_)) && req.out.is_none() {
        return Err(shard::ShardError::Spec("a claim shard writes its worksheets: give --out".into()).into());
    }
    let merged = match &req.split {
        Split::Merge(m) => Some(shard::verify(&m.dirs).map_err(OpError::from).and_then(|s| same_inputs(s, &m.inputs))?),
        _ => None,
    };
    let holidays = crate::pipeline::holidays(&req.assets)?;
    if holidays.is_holiday(req.month.first_day()).is_none() {
        return Err(OpError::NoHolidays { year: req.month.year() });
    }
    let v = super::read_extract_with(&req.data, &holidays)?;
    require(&v, &req.data, "claim checks", &[load::AUTHORIZATIONS.name, load::ATTENDANCE.name])?;
    let checked = claim::check(&v.extract, &holidays, req.month);
    let count = |verdict| checked.claims.iter().filter(|(_, c)| c.verdict == verdict).count();
    let month_claims = v.extract.invoice_claims.iter().filter(|c| c.month == req.month).count();
    // Rejected rows of the files the check reads make its answer incomplete.
    let rejected_records = [load::AUTHORIZATIONS.name, load::ATTENDANCE.name, load::INVOICE_CLAIMS.name]
        .iter()
        .filter_map(|f| v.counts.get(f))
        .map(|c| c.rejected)
        .sum::<usize>();
    let mut summary = ClaimSummary {
        run: "claim",
        month: req.month,
        lines: checked.lines.len(),
        claims: checked.claims.len(),
        correct: count(Verdict::Correct),
        over: count(Verdict::Over),
        under: count(Verdict::Under),
        unjudged: month_claims - checked.claims.len(),
        rejected_records,
        worksheets: 0,
        assets: req.assets.overridden(),
    };
    let mut made_by_shard = None;
    if let Some(out) = &req.out {
        let staging = crate::journal::Staging::begin(out, &req.data)?;
        let providers = by_provider(&checked);
        let mut composition = shard::Composition::default();
        for (p, lines) in &providers {
            let data: Vec<_> =
                lines.iter().map(|i| (&checked.lines[*i], checked.claims.iter().find(|(l, _)| l == i).map(|(_, c)| c))).collect();
            composition.add("worksheet", p, p, lines.len(), &data);
        }
        let composition = composition.finish();
        match (&req.split, &merged) {
            (Split::Shard(s), _) => {
                let owns = |p: &str| s.shard.owns(p);
                let made = worksheets(staging.dir(), &checked, &providers, &v.extract, &req.assets, &owns)?;
                let record = shard::Record {
                    composition,
                    run_documents: providers.len(),
                    files: made,
                    ..s.record("claim", &format!("ssps-claim-{}", req.month))
                };
                crate::journal::write_json(staging.dir(), shard::RECORD, &record)?;
                made_by_shard = Some(shard::ShardReport {
                    shard: s.shard,
                    documents: record.files.len(),
                    pages: record.files.iter().map(|f| f.pages).sum(),
                    run_documents: providers.len(),
                    dir: out.clone(),
                });
            }
            (_, Some(shards)) => {
                let folder = staging.dir().join("worksheets");
                std::fs::create_dir_all(&folder).map_err(|source| RouteError::Write { path: folder, source })?;
                summary.worksheets = take_worksheets(shards, &providers, &composition, staging.dir())?;
            }
            _ => summary.worksheets = worksheets(staging.dir(), &checked, &providers, &v.extract, &req.assets, &|_| true)?.len(),
        }
        if made_by_shard.is_none() {
            write_claims_csv(staging.dir(), &checked)?;
            crate::journal::write_rejects(staging.dir(), &v.problems)?;
            crate::journal::write_json(staging.dir(), "summary.json", &summary)?;
        }
        staging.commit()?;
    }
    let clean = checked.all_correct() && summary.unjudged == 0 && rejected_records == 0;
    Ok(Checked { month: checked, summary, outcome: if clean { Outcome::Clean } else { Outcome::Rejected }, shard: made_by_shard })
}

/// Refuses shards made from other inputs than the merge reads now.
fn same_inputs(shards: Vec<(shard::Record, PathBuf)>, inputs: &str) -> Result<Vec<(shard::Record, PathBuf)>, OpError> {
    let (first, dir) = &shards[0];
    let refuse = |m: String| OpError::Shard(shard::ShardError::Merge(m));
    if first.run != "claim" {
        return Err(refuse(format!("{} holds a shard of the {} run, not of claim", dir.display(), first.run)));
    }
    if first.inputs != inputs {
        return Err(refuse(format!(
            "the inputs changed since the shards ran: the extract, a settings or assets file, an option or the program is not what shard {} recorded; run the shards again",
            first.shard
        )));
    }
    Ok(shards)
}

/// The worksheets from the shards that made them, each checked against its
/// record; how many.
fn take_worksheets(
    shards: &[(shard::Record, PathBuf)],
    providers: &BTreeMap<&str, Vec<usize>>,
    composition: &str,
    dir: &Path,
) -> Result<usize, OpError> {
    let refuse = |m: String| OpError::Shard(shard::ShardError::Merge(m));
    if shards[0].0.composition != composition {
        return Err(refuse(
            "the shards worked out another month than this merge does now: the extract changed; run the shards again".into(),
        ));
    }
    let mut taken = std::collections::BTreeSet::new();
    for (record, from) in shards {
        for made in &record.files {
            let known = providers.contains_key(made.recipient.as_str()) && made.file == format!("worksheets/{}.pdf", made.recipient);
            if !known || shard::bucket(&made.recipient) % record.count != record.index || !taken.insert(made.recipient.clone()) {
                return Err(refuse(format!(
                    "shard {} ({}) lists a worksheet that is not its to make: {}",
                    record.shard,
                    from.display(),
                    crate::problem::shown(&made.file, 120, crate::problem::Masking::AnyNineDigits)
                )));
            }
            shard::copy_checked(from, made, dir)?;
        }
    }
    if let Some(p) = providers.keys().find(|p| !taken.contains(**p)) {
        return Err(refuse(format!(
            "the worksheet of provider {p} is in no shard's folder: shard {}/{} should have made it",
            shard::bucket(p) % shards[0].0.count,
            shards[0].0.count
        )));
    }
    Ok(taken.len())
}

/// The lines of each provider, in provider order.
fn by_provider(m: &MonthCheck) -> BTreeMap<&str, Vec<usize>> {
    let mut by_provider: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, l) in m.lines.iter().enumerate() {
        by_provider.entry(l.provider_number.as_str()).or_default().push(i);
    }
    by_provider
}

/// `claims.csv`: each claim with its verdict and the reasoning.
fn write_claims_csv(dir: &Path, m: &MonthCheck) -> Result<(), OpError> {
    let err = |source: csv::Error| OpError::Csv { file: "claims.csv".into(), source };
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    w.write_record([
        "invoice_number",
        "reference_number",
        "provider_number",
        "child",
        "units_authorized",
        "claimed",
        "correct",
        "verdict",
        "words",
        "reasoning",
    ])
    .map_err(err)?;
    for (i, c) in &m.claims {
        let l = &m.lines[*i];
        w.write_record([
            c.invoice_number.as_str(),
            &c.reference_number,
            &l.provider_number,
            &l.child,
            &l.units_authorized.normalize().to_string(),
            &c.claimed.normalize().to_string(),
            &l.correct.normalize().to_string(),
            match c.verdict {
                Verdict::Correct => "correct",
                Verdict::Over => "over",
                Verdict::Under => "under",
            },
            &c.words,
            &l.reasoning.join("; "),
        ])
        .map_err(err)?;
    }
    let bytes = w.into_inner().map_err(|e| err(csv::Error::from(e.into_error())))?;
    // For people: cells neutralised against spreadsheet formulas.
    let bytes = crate::spreadsheet::neutralise(&bytes, csv::Terminator::CRLF).map_err(err)?;
    let path = dir.join("claims.csv");
    std::fs::write(&path, bytes).map_err(|source| RouteError::Write { path, source })?;
    Ok(())
}

/// One worksheet PDF under `worksheets/` per provider that `owns` takes;
/// what was made.
fn worksheets(
    dir: &Path,
    m: &MonthCheck,
    by_provider: &BTreeMap<&str, Vec<usize>>,
    x: &crate::model::Extract,
    assets: &crate::assets::Assets,
    owns: &dyn Fn(&str) -> bool,
) -> Result<Vec<shard::Made>, OpError> {
    let folder = dir.join("worksheets");
    std::fs::create_dir_all(&folder).map_err(|source| RouteError::Write { path: folder.clone(), source })?;
    let renderer = Renderer::with_assets(assets)?;
    let claim_of: BTreeMap<usize, &claim::ClaimCheck> = m.claims.iter().map(|(i, c)| (*i, c)).collect();
    let mut made = Vec::new();
    for (index, (provider, lines)) in by_provider.iter().enumerate().filter(|(_, (p, _))| owns(p)) {
        let name =
            crate::model::ProviderNumber::parse(provider).and_then(|id| x.providers.get(&id)).map(|p| p.name.clone()).unwrap_or_default();
        let data = serde_json::json!({
            "provider": provider,
            "name": name,
            "month": m.month.to_string(),
            "first_weekday": m.month.first_day().format("%w").to_string().parse::<u32>().unwrap_or(0),
            "lines": lines.iter().map(|i| {
                let l = &m.lines[*i];
                serde_json::json!({
                    "reference": l.reference_number,
                    "child": l.child,
                    "service": l.service,
                    "authorized": l.units_authorized.normalize().to_string(),
                    "correct": l.correct.normalize().to_string(),
                    "reasoning": l.reasoning,
                    "days": l.days.iter().map(|d| serde_json::json!({
                        "day": d.date.format("%-d").to_string(),
                        "mark": mark(d.counted),
                        "hours": d.hours.map(|h| h.normalize().to_string()).unwrap_or_default(),
                    })).collect::<Vec<_>>(),
                    "claim": claim_of.get(i).map(|c| serde_json::json!({ "invoice": c.invoice_number, "claimed": c.claimed.normalize().to_string(), "words": c.words, "correct": c.verdict == Verdict::Correct })),
                })
            }).collect::<Vec<_>>(),
        });
        let settings =
            PdfSettings { ident: format!("ssps-claim-{}-{provider}", m.month), date: m.month.last_day(), tagging: Tagging::Untagged };
        let pdf = renderer.render(Template::Worksheet, &data, &settings)?;
        let path = folder.join(format!("{provider}.pdf"));
        std::fs::write(&path, &pdf.pdf).map_err(|source| RouteError::Write { path, source })?;
        made.push(shard::Made {
            index,
            document: provider.to_string(),
            recipient: provider.to_string(),
            file: format!("worksheets/{provider}.pdf"),
            pages: pdf.pages,
            sha256: crate::route::sha256_hex(&pdf.pdf),
            bytes: pdf.pdf.len() as u64,
        });
    }
    Ok(made)
}

/// The worksheet's mark for a day: the booklet's letters.
fn mark(k: claim::DayKind) -> &'static str {
    match k {
        claim::DayKind::NotAuthorized => "NA",
        claim::DayKind::Weekend => "",
        claim::DayKind::Holiday => "H",
        claim::DayKind::Closed => "C",
        claim::DayKind::Attended => "X",
        claim::DayKind::Absent => "A",
    }
}
