//! The pipeline's side of a split run ([`crate::shard`]): what a shard
//! records after rendering its buckets, the record a failed shard leaves,
//! and how a merge checks the shards against the run it composes and takes
//! their documents.

use std::path::{Path, PathBuf};

use super::{OpError, Setup};
use crate::compose::Document;
use crate::route::Stored;
use crate::shard::{self, Made, MergeRun, Record, ShardError, ShardReport, ShardRun, Status};

fn refuse(message: String) -> OpError {
    OpError::Shard(ShardError::Merge(message))
}

/// The digest of the run's documents.
pub(super) fn composition<D: Document>(docs: &[D]) -> String {
    let mut c = shard::Composition::default();
    for d in docs {
        c.add(d.kind().name(), d.id(), d.to().id.as_str(), d.page_count(), d);
    }
    c.finish()
}

/// The merge's shards, checked as a set, against the run being merged and
/// against the inputs as the merge reads them now.
pub(super) fn verified(m: &MergeRun, run: &str) -> Result<Vec<(Record, PathBuf)>, OpError> {
    let shards = shard::verify(&m.dirs)?;
    let (first, dir) = &shards[0];
    if first.run != run {
        return Err(refuse(format!(
            "{} holds a shard of the {} run, not of {run}",
            dir.display(),
            crate::problem::shown(&first.run, 40, crate::problem::Masking::AnyNineDigits)
        )));
    }
    if first.inputs != m.inputs {
        return Err(refuse(format!(
            "the inputs changed since the shards ran: the extract, a settings or assets file, an option or the program is not what shard {} recorded (inputs {}, now {}); run the shards again",
            first.shard,
            shard::short(&first.inputs),
            shard::short(&m.inputs)
        )));
    }
    Ok(shards)
}

/// Refuses shards that composed another run than the merge does.
pub(super) fn same_composition(shards: &[(Record, PathBuf)], composition: &str) -> Result<(), OpError> {
    let (first, _) = &shards[0];
    if first.composition != composition {
        return Err(refuse(format!(
            "the shards composed another run ({} documents, composition {}) than this merge does now (composition {}): the extract or the portal's database changed; run the shards again",
            first.run_documents,
            shard::short(&first.composition),
            shard::short(composition)
        )));
    }
    Ok(())
}

/// Writes the shard's record into its folder: every document it rendered.
#[allow(clippy::too_many_arguments)]
pub(super) fn write_record<D: Document>(
    docs: &[D],
    stored: &[Option<Stored>],
    pages: usize,
    s: &ShardRun,
    run: &str,
    ident: &str,
    composition: &str,
    setup: &Setup,
    seconds_before_render: f64,
    dir: &Path,
) -> Result<ShardReport, OpError> {
    let files: Vec<Made> = stored
        .iter()
        .enumerate()
        .filter_map(|(i, st)| {
            let st = st.as_ref()?;
            let d = &docs[i];
            Some(Made {
                index: i,
                document: d.id().to_string(),
                recipient: d.to().id.to_string(),
                file: st.file.clone(),
                pages: d.page_count(),
                sha256: st.sha256.clone(),
                bytes: st.bytes,
            })
        })
        .collect();
    let report = ShardReport { shard: s.shard, documents: files.len(), pages, run_documents: docs.len(), dir: PathBuf::new() };
    let record = Record {
        composition: composition.to_string(),
        run_documents: docs.len(),
        files,
        seconds: (setup.started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
        seconds_before_render,
        ..s.record(run, ident)
    };
    crate::journal::write_json(dir, shard::RECORD, &record)?;
    Ok(report)
}

/// Leaves a record of a shard that failed in its `--out` folder, so the
/// merge names the failure (nothing when the folder cannot be used: the
/// error itself says why).
pub(crate) fn record_failure(out: &Path, data: &Path, s: &ShardRun, run: &str, ident: &str, error: &OpError) {
    let Ok(staging) = crate::journal::Staging::begin(out, data) else { return };
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    let record = Record {
        status: Status::Failed,
        error: Some(crate::problem::shown(&message, 2000, crate::problem::Masking::AnyNineDigits)),
        peak_rss_bytes: None,
        ..s.record(run, ident)
    };
    if crate::journal::write_json(staging.dir(), shard::RECORD, &record).is_ok() {
        let _ = staging.commit();
    }
}

/// Takes every document from the shard that rendered it into the merged
/// folder (each file checked against its record); returns the stored
/// copies and the pages the shards rendered.
pub(super) fn collect<D: Document>(docs: &[D], shards: &[(Record, PathBuf)], dir: &Path) -> Result<(Vec<Option<Stored>>, usize), OpError> {
    let mut stored: Vec<Option<Stored>> = vec![None; docs.len()];
    let mut pages = 0usize;
    let t = std::time::Instant::now();
    let mut takes: Vec<(&Path, &Made)> = Vec::new();
    for (record, from) in shards {
        for made in &record.files {
            let d = docs.get(made.index).filter(|d| d.id() == made.document && d.to().id.as_str() == made.recipient);
            let Some(d) = d else {
                return Err(refuse(format!(
                    "{} lists document {} of recipient {}, which is not document {} of this run",
                    from.join(shard::RECORD).display(),
                    crate::problem::shown(&made.document, 80, crate::problem::Masking::AnyNineDigits),
                    crate::problem::shown(&made.recipient, 80, crate::problem::Masking::AnyNineDigits),
                    made.index
                )));
            };
            let owner = shard::bucket(&made.recipient) % record.count;
            let wrong = if made.file != format!("documents/{}/{}.pdf", d.to().id, d.id()) {
                Some(format!("as {}", crate::problem::shown(&made.file, 120, crate::problem::Masking::AnyNineDigits)))
            } else if owner != record.index {
                Some(format!("which is shard {owner}/{}'s to render", record.count))
            } else if made.pages != d.page_count() {
                Some(format!("with {} pages; it has {}", made.pages, d.page_count()))
            } else if stored[made.index].is_some() {
                Some("twice".to_string())
            } else {
                None
            };
            if let Some(wrong) = wrong {
                return Err(refuse(format!("shard {} ({}) lists {} {} {wrong}", record.shard, from.display(), d.kind(), d.id())));
            }
            takes.push((from.as_path(), made));
            pages += made.pages;
            stored[made.index] = Some(Stored { file: made.file.clone(), sha256: made.sha256.clone(), bytes: made.bytes });
        }
    }
    if let Some(i) = stored.iter().position(Option::is_none) {
        let d = &docs[i];
        let count = shards[0].0.count;
        return Err(refuse(format!(
            "{} {} (recipient {}) is in no shard's folder: shard {}/{count} should have rendered it",
            d.kind(),
            d.id(),
            d.to().id,
            shard::bucket(d.to().id.as_str()) % count
        )));
    }
    take(&takes, dir)?;
    super::phase("documents taken from the shards", t);
    Ok((stored, pages))
}

/// Links (or copies) and checks every listed file, on as many threads as
/// the machine has cores (at most four): the work is the file system's
/// (creating folders and links, reading every byte back for its SHA-256),
/// which one thread leaves half idle. The first failing file in the
/// shards' order is the one reported, whichever thread met it.
fn take(takes: &[(&Path, &Made)], dir: &Path) -> Result<(), OpError> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get).clamp(1, 4);
    // Files are handed out in order; once one fails, only those before it
    // are still taken, so the first failure in order is always found.
    let (next, first_bad) = (AtomicUsize::new(0), AtomicUsize::new(usize::MAX));
    let worker = || -> Option<(usize, ShardError)> {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let &(from, made) = takes.get(i)?;
            if i > first_bad.load(Ordering::Relaxed) {
                return None;
            }
            if let Err(e) = shard::copy_checked(from, made, dir) {
                first_bad.fetch_min(i, Ordering::Relaxed);
                return Some((i, e));
            }
        }
    };
    let errors: Vec<(usize, ShardError)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (1..threads).map(|_| scope.spawn(worker)).collect();
        let mut errors: Vec<_> = worker().into_iter().collect();
        errors.extend(handles.into_iter().filter_map(|h| h.join().ok().flatten()));
        errors
    });
    match errors.into_iter().min_by_key(|(i, _)| *i) {
        Some((_, e)) => Err(e.into()),
        None => Ok(()),
    }
}
