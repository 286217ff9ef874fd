//! Shards: one run split over the tasks of an array job (Slurm, Kubernetes
//! Indexed Jobs, AWS Batch), merged into exactly the run one machine makes.
//!
//! **Who renders what.** Every recipient (payee, client, staff unit) falls
//! in one of [`BUCKETS`] buckets by the first byte of the SHA-256 of its id
//! ([`bucket`]); shard `I` of `N` renders the buckets `b` with
//! `b mod N = I` ([`Shard::owns`]), so a recipient's documents, envelope
//! and email are never split. Rendering chunks never cross a bucket (the
//! pipeline cuts each bucket's documents into chunks on its own), so a
//! document's PDF is the same bytes whichever shard, and however many
//! shards, made it: a single run is the same buckets rendered on one
//! machine. More shards than buckets leave the extra ones empty; `N` is
//! refused above [`BUCKETS`].
//!
//! **What a shard keeps.** Every shard reads, validates and composes the
//! whole extract (so rejects and the accounting are the same in every one)
//! and renders its buckets' documents into `documents/`; its
//! [`RECORD`] (`shard.json`) says which shard it is, the command it ran,
//! the digest of its inputs ([`inputs_digest`]: the options, the content of
//! every file they name, the program), the digest of the whole run's
//! composition ([`composition_digest`]) and every file it made with its
//! SHA-256. A shard that fails writes a record saying so, with the error.
//!
//! **The merge** (`ssps merge`, [`verify`]) refuses shards of different
//! inputs or counts, a missing or repeated shard, a failed one, inputs that
//! changed since, and a file whose bytes changed; then the pipeline composes
//! the run again, copies the documents from their shards and makes
//! everything else (mail plan, print job, archives, manifest, rejects,
//! summary, email queue, a kind's own files) as a single run does.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Buckets recipients fall in; a chunk of rendering never crosses one.
pub const BUCKETS: u32 = 256;

/// A shard's record in its folder.
pub const RECORD: &str = "shard.json";

/// The record's format.
pub const FORMAT: u32 = 1;

/// The array-job engines' task index variables, in the order they are read.
pub const INDEX_VARIABLES: [&str; 3] = ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX"];

/// One shard of a run: `index` of `count`, counted from 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// This shard, `0 ..= count - 1`.
    pub index: u32,
    /// Shards in all.
    pub count: u32,
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Why a shard cannot be named, or a set of shards cannot be merged.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ShardError {
    /// `--shard` or `--shards` is not usable.
    #[error("{0}")]
    Spec(String),
    /// The shards cannot be merged.
    #[error("cannot merge: {0}")]
    Merge(String),
}

fn spec(message: impl Into<String>) -> ShardError {
    ShardError::Spec(message.into())
}

fn merge(message: impl Into<String>) -> ShardError {
    ShardError::Merge(message.into())
}

/// Checks a shard count.
fn count(n: u32) -> Result<u32, ShardError> {
    match n {
        0 => Err(spec("--shards must be at least 1")),
        n if n > BUCKETS => {
            Err(spec(format!("at most {BUCKETS} shards: recipients fall in {BUCKETS} buckets, and a shard takes whole buckets")))
        }
        n => Ok(n),
    }
}

impl Shard {
    /// Parses `I/N` (`--shard 2/4`).
    pub fn parse(s: &str) -> Result<Shard, ShardError> {
        let bad = || spec(format!("--shard \"{}\" is not I/N (the shard I of N, counted from 0: 0/4 … 3/4)", clean(s)));
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u32 = i.trim().parse().map_err(|_| bad())?;
        let count = count(n.trim().parse().map_err(|_| bad())?)?;
        if index >= count {
            return Err(spec(format!("--shard {index}/{count}: shards of {count} are counted 0 to {}", count - 1)));
        }
        Ok(Shard { index, count })
    }

    /// Shard `?/count` whose index an array-job engine gives in its task
    /// variable ([`INDEX_VARIABLES`]; `var` reads the environment).
    pub fn from_engine(n: u32, var: &dyn Fn(&str) -> Option<String>) -> Result<Shard, ShardError> {
        let count = count(n)?;
        let Some((name, value)) = INDEX_VARIABLES.iter().find_map(|v| var(v).map(|value| (*v, value))) else {
            return Err(spec(format!(
                "--shards {count} takes this task's index from {}, and none is set: give --shard I/{count}",
                INDEX_VARIABLES.join(", ")
            )));
        };
        let shown = clean(&value);
        let index: u32 = value.trim().parse().map_err(|_| spec(format!("{name} is \"{shown}\", not a task index")))?;
        if index >= count {
            return Err(spec(format!(
                "{name} is {index}, but --shards {count} counts tasks 0 to {}: submit the array as 0-{}",
                count - 1,
                count - 1
            )));
        }
        if name == "SLURM_ARRAY_TASK_ID" {
            if let Some(total) = var("SLURM_ARRAY_TASK_COUNT").and_then(|t| t.trim().parse::<u32>().ok()) {
                if total != count {
                    return Err(spec(format!("the Slurm array has {total} tasks but --shards says {count}")));
                }
            }
        }
        Ok(Shard { index, count })
    }

    /// Whether this shard renders `recipient`'s documents.
    pub fn owns(&self, recipient: &str) -> bool {
        bucket(recipient) % self.count == self.index
    }
}

/// The bucket of a recipient id: the first byte of its SHA-256.
pub fn bucket(recipient: &str) -> u32 {
    u32::from(Sha256::digest(recipient.as_bytes())[0])
}

/// Whether a shard finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Every document of its buckets is in its folder.
    Finished,
    /// It stopped; `error` says why.
    Failed,
}

/// A file a shard made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Made {
    /// The document's index in the run (composition order).
    pub index: usize,
    /// The document's id.
    pub document: String,
    /// Its recipient.
    pub recipient: String,
    /// The file, relative to the shard's folder.
    pub file: String,
    /// Its pages.
    pub pages: usize,
    /// Its SHA-256.
    pub sha256: String,
    /// Its size.
    pub bytes: u64,
}

/// `shard.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    /// [`FORMAT`].
    pub format: u32,
    /// `2/4`.
    pub shard: String,
    /// This shard.
    pub index: u32,
    /// Shards in all.
    pub count: u32,
    /// The run (`invoices`, `tax1099`, `claim`, …).
    pub run: String,
    /// The run's identity (`ssps-invoices-2026-10`).
    pub ident: String,
    /// The command that made it, without the options each shard or the
    /// merge sets for itself (`--shard`, `--shards`, `--out`, `--threads`,
    /// email and journal options).
    pub command: Vec<String>,
    /// The folder it ran in (relative paths of `command` are from there).
    pub cwd: String,
    /// The digest of its inputs ([`inputs_digest`]).
    pub inputs: String,
    /// The digest of the whole run's documents ([`composition_digest`]).
    pub composition: String,
    /// Documents in the whole run.
    pub run_documents: usize,
    /// Finished or failed.
    pub status: Status,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What it made, in the run's order.
    pub files: Vec<Made>,
    /// Seconds it took.
    pub seconds: f64,
    /// Of which reading, validating and composing the whole run and
    /// planning its mail: what every shard pays, however many there are.
    #[serde(default)]
    pub seconds_before_render: f64,
    /// The process's peak resident memory in bytes (Linux's `VmHWM`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_rss_bytes: Option<u64>,
}

/// The process's peak resident memory (`VmHWM` of `/proc/self/status`).
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

impl ShardRun {
    /// The shard's record with nothing made yet: `finished` with no files,
    /// no composition, no times.
    pub fn record(&self, run: &str, ident: &str) -> Record {
        Record {
            format: FORMAT,
            shard: self.shard.to_string(),
            index: self.shard.index,
            count: self.shard.count,
            run: run.to_string(),
            ident: ident.to_string(),
            command: self.command.clone(),
            cwd: self.cwd.clone(),
            inputs: self.inputs.clone(),
            composition: String::new(),
            run_documents: 0,
            status: Status::Finished,
            error: None,
            files: vec![],
            seconds: 0.0,
            seconds_before_render: 0.0,
            peak_rss_bytes: peak_rss_bytes(),
        }
    }
}

/// What a shard was started with: its place, and what the merge must find
/// the same.
#[derive(Debug, Clone)]
pub struct ShardRun {
    /// The shard.
    pub shard: Shard,
    /// The command, without per-shard options.
    pub command: Vec<String>,
    /// Where it ran.
    pub cwd: String,
    /// [`inputs_digest`] of it.
    pub inputs: String,
}

/// What a merge is given.
#[derive(Debug, Clone)]
pub struct MergeRun {
    /// The shard folders.
    pub dirs: Vec<PathBuf>,
    /// [`inputs_digest`] of the command as the merge reads its inputs now.
    pub inputs: String,
}

/// How a run is split.
#[derive(Debug, Clone, Default)]
pub enum Split {
    /// The whole run on this machine.
    #[default]
    Whole,
    /// One shard.
    Shard(ShardRun),
    /// The merge of shards.
    Merge(MergeRun),
}

/// What a shard did, for the command's report.
#[derive(Debug, Clone)]
pub struct ShardReport {
    /// The shard.
    pub shard: Shard,
    /// Documents it rendered.
    pub documents: usize,
    /// Their pages.
    pub pages: usize,
    /// Documents of the whole run.
    pub run_documents: usize,
    /// Its folder.
    pub dir: PathBuf,
}

/// Options the command line may carry that each shard and the merge set
/// for themselves: left out of the recorded command and its digest. The
/// bool says whether the option takes a value.
pub const OWN_OPTIONS: [(&str, bool); 8] = [
    ("--shard", true),
    ("--shards", true),
    ("--out", true),
    ("--threads", true),
    ("--smtp", true),
    ("--journal", true),
    ("--dry-run", false),
    ("--merged-shard", true),
];

/// The command without [`OWN_OPTIONS`] (`--opt value` and `--opt=value`).
pub fn recorded_command(args: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(args.len());
    let mut skip = false;
    for a in args {
        if std::mem::take(&mut skip) {
            continue;
        }
        match OWN_OPTIONS.iter().find(|(name, _)| a == name || a.strip_prefix(name).is_some_and(|rest| rest.starts_with('='))) {
            Some((name, takes_value)) => skip = *takes_value && a == name,
            None => out.push(a.clone()),
        }
    }
    out
}

/// Input text as it may be printed: controls escaped, TIN-shaped runs
/// masked, cut short.
fn clean(s: &str) -> String {
    crate::problem::shown(s, 120, crate::problem::Masking::AnyNineDigits)
}

/// `rel` inside `dir`: only plain names, no `..`, no absolute path, and no
/// symbolic link on the way (a shard's record never sends the merge out of
/// the shard's folder).
fn inside(dir: &Path, rel: &str) -> Option<PathBuf> {
    let mut path = dir.to_path_buf();
    let parts: Vec<_> = Path::new(rel).components().collect();
    if parts.is_empty() {
        return None;
    }
    for part in parts {
        let std::path::Component::Normal(name) = part else { return None };
        path.push(name);
        if std::fs::symlink_metadata(&path).ok()?.file_type().is_symlink() {
            return None;
        }
    }
    Some(path)
}

pub(crate) fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads a shard folder's record.
pub fn read_record(dir: &Path) -> Result<Record, ShardError> {
    let path = dir.join(RECORD);
    let shown = dir.display();
    let bytes = std::fs::read(&path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            merge(format!("{shown} has no {RECORD}: it is not a shard folder, or its shard never finished (see the array job's log)"))
        }
        _ => merge(format!("cannot read {}: {e}", path.display())),
    })?;
    let record: Record = serde_json::from_slice(&bytes).map_err(|e| merge(format!("{} is not a shard record: {e}", path.display())))?;
    if record.format != FORMAT {
        return Err(merge(format!("{} is format {}; this program reads format {FORMAT}", path.display(), record.format)));
    }
    let consistent = (1..=BUCKETS).contains(&record.count)
        && record.index < record.count
        && record.shard == format!("{}/{}", record.index, record.count)
        && (record.status == Status::Failed
            || [&record.inputs, &record.composition].iter().all(|d| d.len() == 64 && d.bytes().all(|b| b.is_ascii_hexdigit())));
    if !consistent {
        return Err(merge(format!("{} is not a shard record: its shard, index, count or digests do not agree", path.display())));
    }
    Ok(record)
}

/// The first characters of a digest, for messages.
pub fn short(digest: &str) -> String {
    clean(&digest.chars().take(12).collect::<String>())
}

/// The shards given to a merge, checked as a set: their records in shard
/// order with their folders.
pub fn verify(dirs: &[PathBuf]) -> Result<Vec<(Record, PathBuf)>, ShardError> {
    if dirs.is_empty() {
        return Err(merge("no shard folders given"));
    }
    let mut records = Vec::with_capacity(dirs.len());
    for dir in dirs {
        let r = read_record(dir)?;
        if r.status == Status::Failed {
            return Err(merge(format!(
                "shard {} ({}) failed: {}",
                r.shard,
                dir.display(),
                crate::problem::shown(r.error.as_deref().unwrap_or("no reason recorded"), 2000, crate::problem::Masking::AnyNineDigits)
            )));
        }
        records.push((r, dir.clone()));
    }
    let (first, first_dir) = &records[0];
    for (r, dir) in &records[1..] {
        if r.count != first.count {
            return Err(merge(format!(
                "{} is shard {} but {} is shard {}: shards of one run all have the same count",
                first_dir.display(),
                first.shard,
                dir.display(),
                r.shard
            )));
        }
        if r.run != first.run
            || r.ident != first.ident
            || r.inputs != first.inputs
            || r.command != first.command
            || r.composition != first.composition
        {
            return Err(merge(format!(
                "{} and {} were made from different inputs ({} and {}): every shard must run the same command on the same extract, settings and program",
                first_dir.display(),
                dir.display(),
                describe(first),
                describe(r)
            )));
        }
    }
    let mut by_index: BTreeMap<u32, (Record, PathBuf)> = BTreeMap::new();
    for (r, dir) in records {
        if let Some((_, other)) = by_index.get(&r.index) {
            return Err(merge(format!("shard {} is given twice: {} and {}", r.shard, other.display(), dir.display())));
        }
        by_index.insert(r.index, (r, dir));
    }
    let count = by_index.values().next().map_or(0, |(r, _)| r.count);
    let missing: Vec<String> = (0..count).filter(|i| !by_index.contains_key(i)).map(|i| format!("{i}/{count}")).collect();
    if !missing.is_empty() {
        return Err(merge(format!("shard {} of the {count} is missing", missing.join(", "))));
    }
    Ok(by_index.into_values().collect())
}

fn describe(r: &Record) -> String {
    format!("{}, inputs {}, composition {}", clean(&r.ident), short(&r.inputs), short(&r.composition))
}

/// Takes a shard's file into the merged folder as `made.file` (a second
/// name for its bytes where the filesystem allows, else a copy), checking
/// that it is a regular file inside the shard's folder holding the bytes the
/// shard recorded. The merged folder's file is always new: nothing is
/// written through an existing name.
pub fn copy_checked(from_dir: &Path, made: &Made, to_dir: &Path) -> Result<(), ShardError> {
    let from = inside(from_dir, &made.file).ok_or_else(|| {
        merge(format!("{}: {} names a file outside the shard's folder", from_dir.join(RECORD).display(), clean(&made.file)))
    })?;
    let to = inside_new(to_dir, &made.file)
        .ok_or_else(|| merge(format!("{}: {} is not a document's file name", from_dir.join(RECORD).display(), clean(&made.file))))?;
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent).map_err(|e| merge(format!("cannot make {}: {e}", parent.display())))?;
    }
    let linked = match std::fs::hard_link(&from, &to) {
        Ok(()) => true,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(merge(format!("{} is listed twice", clean(&made.file))));
        }
        Err(_) => false,
    };
    // Read what the merged folder now names (the link is fixed, whatever
    // happens to the shard's folder later), or the shard's file to copy.
    let source = if linked { &to } else { &from };
    let bytes = read_regular(source, made.bytes).map_err(|e| {
        if linked {
            let _ = std::fs::remove_file(&to);
        }
        merge(format!("{}: {e}", from.display()))
    })?;
    let sum = hex(&Sha256::digest(&bytes));
    if sum != made.sha256 {
        if linked {
            let _ = std::fs::remove_file(&to);
        }
        return Err(merge(format!(
            "{} is not the file its shard made (sha256 {}, recorded {}): the shard folder was changed",
            from.display(),
            short(&sum),
            short(&made.sha256)
        )));
    }
    if !linked {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&to)
            .map_err(|e| merge(format!("cannot write {}: {e}", to.display())))?;
        f.write_all(&bytes).map_err(|e| merge(format!("cannot write {}: {e}", to.display())))?;
    }
    Ok(())
}

/// A regular file's bytes, refused unless it has exactly `size` of them.
fn read_regular(path: &Path, size: u64) -> Result<Vec<u8>, String> {
    use std::io::Read as _;
    let meta = std::fs::symlink_metadata(path).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("not a regular file".into());
    }
    let f = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let len = f.metadata().map_err(|e| e.to_string())?.len();
    if len != size {
        return Err(format!("{len} bytes where the shard recorded {size}: the shard folder was changed"));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    f.take(size).read_to_end(&mut bytes).map_err(|e| e.to_string())?;
    Ok(bytes)
}

/// `rel` under `dir` for a new file: plain names only.
fn inside_new(dir: &Path, rel: &str) -> Option<PathBuf> {
    let mut path = dir.to_path_buf();
    let parts: Vec<_> = Path::new(rel).components().collect();
    if parts.len() < 2 {
        return None;
    }
    for part in parts {
        let std::path::Component::Normal(name) = part else { return None };
        path.push(name);
    }
    Some(path)
}

mod digest;
pub use digest::{inputs_digest, Composition, PATH_OPTIONS};

#[cfg(test)]
mod tests;
