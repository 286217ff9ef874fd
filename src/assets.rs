//! The files the program carries (templates, printed and email texts,
//! yearly data) and the staff's overrides of them.
//!
//! Every run reads its templates, catalogs and data files through an
//! [`Assets`]: the embedded set compiled into the binary, or, with
//! `--assets DIR`, that set with the files found in `DIR` put in their
//! place, file by file (`DIR/letters/documents.toml` replaces the embedded
//! `letters/documents.toml`). Staff can so try a wording or a template change
//! without a build; `ssps assets export DIR` writes the embedded set as a
//! starting point, and `summary.json` lists each overridden file with its
//! SHA-256, so a print job can be traced to what made it.
//!
//! Overrides are checked when they are read, before any work: a file that
//! is not one of the set, that is not a regular file, that is not UTF-8, a
//! TOML file that does not parse and a template with a syntax error are
//! each an error naming the file (a template's with its line and column).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use crate::render::Template;

/// A file of the embedded set that an `--assets` folder replaced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Overridden {
    /// Its name in the set: `letters/documents.toml`.
    pub file: String,
    /// SHA-256 of the replacement, lowercase hex.
    pub sha256: String,
}

/// Why an `--assets` folder, or the folder to export into, cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum AssetsError {
    /// The folder cannot be listed.
    #[error("--assets {dir}: cannot read the folder")]
    Folder {
        /// The folder.
        dir: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A file the embedded set does not have (a typo would otherwise be
    /// silently ignored).
    #[error("--assets: {file} is not one of the program's files (`ssps assets export DIR` writes them all); nothing was run")]
    Unknown {
        /// Its path in the folder.
        file: String,
    },
    /// Not a regular file (a symbolic link, a FIFO).
    #[error("--assets: {file} is not a regular file (a symbolic link, a pipe); copy the file into the folder instead")]
    NotAFile {
        /// Its path in the folder.
        file: String,
    },
    /// It cannot be read, or is not UTF-8.
    #[error("--assets: {file} cannot be read as UTF-8 text")]
    Read {
        /// Its path in the folder.
        file: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A TOML file that does not parse.
    #[error("--assets: {file}: {message}")]
    Toml {
        /// Its name in the set.
        file: String,
        /// The TOML parser's message, with its line and column.
        message: String,
    },
    /// A template with a syntax error.
    #[error("--assets: {file}:{line}:{column}: {message}")]
    Template {
        /// Its name in the set.
        file: String,
        /// 1-based line of the first error.
        line: usize,
        /// 1-based column.
        column: usize,
        /// Typst's message.
        message: String,
    },
    /// The same file given twice: in the folder and by its own option.
    #[error("--assets replaces {file} and {option} gives it too: give one of them")]
    Twice {
        /// Its name in the set.
        file: &'static str,
        /// The option (`--mail-config`).
        option: &'static str,
    },
    /// `ssps assets export` into a folder that is not empty.
    #[error("{0} is not empty: export the embedded files into a new or empty folder")]
    NotEmpty(PathBuf),
    /// Writing an exported file failed.
    #[error("cannot write {path}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// The embedded set: every file's name and text.
pub fn embedded() -> Vec<(String, &'static str)> {
    let mut files: Vec<(String, &'static str)> = vec![
        ("data/holidays-wa.toml".into(), crate::calendar::WASHINGTON_TOML),
        ("data/iris-1099nec.toml".into(), crate::tax1099::iris::LAYOUT_TOML),
        ("data/mail.toml".into(), crate::mail::DEFAULT_CONFIG),
        ("data/payer.toml".into(), crate::tax1099::PAYER_TOML),
        ("data/portal.toml".into(), crate::compose::registration::PORTAL_TOML),
        ("data/tax1099.toml".into(), crate::tax1099::TAX1099_TOML),
        ("letters/aces.toml".into(), crate::texts::aces::ACES),
        ("letters/documents.toml".into(), crate::texts::DOCUMENTS),
        ("letters/tax1099.toml".into(), crate::tax1099::STATEMENT_TOML),
    ];
    files.extend(Template::ALL.iter().map(|t| (format!("templates/{}", t.file()), t.text())));
    files.sort();
    files
}

/// The embedded text of `name`, from the set listed once per process.
fn embedded_text(name: &str) -> Option<&'static str> {
    static SET: std::sync::OnceLock<Vec<(String, &'static str)>> = std::sync::OnceLock::new();
    SET.get_or_init(embedded).iter().find(|(n, _)| n == name).map(|(_, t)| *t)
}

/// The files a run reads: the embedded set, with overrides.
#[derive(Debug, Clone, Default)]
pub struct Assets {
    /// Replaced files by name: text and SHA-256.
    overrides: Arc<BTreeMap<String, (String, String)>>,
}

impl Assets {
    /// The embedded set with the files of `dir` in their place, each
    /// checked.
    pub fn load(dir: &Path) -> Result<Assets, AssetsError> {
        let names: Vec<String> = embedded().into_iter().map(|(n, _)| n).collect();
        let mut found = Vec::new();
        list(dir, dir, &mut found)?;
        let mut overrides = BTreeMap::new();
        for (name, path) in found {
            if !names.contains(&name) {
                return Err(AssetsError::Unknown { file: name });
            }
            let meta = std::fs::symlink_metadata(&path).map_err(|source| AssetsError::Read { file: name.clone(), source })?;
            if !meta.file_type().is_file() {
                return Err(AssetsError::NotAFile { file: name });
            }
            let text = std::fs::read_to_string(&path).map_err(|source| AssetsError::Read { file: name.clone(), source })?;
            check(&name, &text)?;
            let sha256 = crate::route::sha256_hex(text.as_bytes());
            overrides.insert(name, (text, sha256));
        }
        Ok(Assets { overrides: Arc::new(overrides) })
    }

    /// The text of `name` (`letters/documents.toml`): the override, else
    /// the embedded file. `name` is a constant of the caller, one of the set.
    pub fn text(&self, name: &str) -> &str {
        match self.overrides.get(name) {
            Some((text, _)) => text,
            None => embedded_text(name).unwrap_or_else(|| unreachable!("{name} is not an embedded file")),
        }
    }

    /// The files replaced, in name order, with their SHA-256.
    pub fn overridden(&self) -> Vec<Overridden> {
        self.overrides.iter().map(|(file, (_, sha256))| Overridden { file: file.clone(), sha256: sha256.clone() }).collect()
    }

    /// Refuses `file` from the folder when `option` gives it as well (the
    /// option would win, and `summary.json` would list a file not used).
    pub fn only_one(&self, file: &'static str, option: &'static str, given: bool) -> Result<(), AssetsError> {
        if given && self.overrides.contains_key(file) {
            return Err(AssetsError::Twice { file, option });
        }
        Ok(())
    }

    /// Whether nothing is replaced.
    pub fn is_embedded(&self) -> bool {
        self.overrides.is_empty()
    }
}

/// Every file under `dir` (recursively), as `(name with / separators, path)`.
/// A symbolic link, to a file or a folder, is refused, never followed.
fn list(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) -> Result<(), AssetsError> {
    let folder_err = |source| AssetsError::Folder { dir: dir.to_path_buf(), source };
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(folder_err)? {
        paths.push(entry.map_err(folder_err)?.path());
    }
    paths.sort();
    for path in paths {
        let relative = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().replace('\\', "/");
        let name = crate::problem::shown(&relative, 200, crate::problem::Masking::AnyNineDigits);
        let meta = std::fs::symlink_metadata(&path).map_err(|source| AssetsError::Read { file: name.clone(), source })?;
        if meta.file_type().is_symlink() {
            return Err(AssetsError::NotAFile { file: name });
        }
        if meta.is_dir() {
            list(root, &path, out)?;
        } else {
            out.push((name, path));
        }
    }
    Ok(())
}

/// A replacement's first check: TOML parses, a template has no syntax error.
fn check(name: &str, text: &str) -> Result<(), AssetsError> {
    if name.ends_with(".toml") {
        toml::from_str::<toml::Table>(text)
            .map_err(|e| AssetsError::Toml { file: name.to_string(), message: e.to_string().trim().to_string() })?;
    } else if name.ends_with(".typ") {
        let source = typst::syntax::Source::detached(text);
        if let Some(error) = source.root().errors_and_warnings().0.into_iter().next() {
            let range = match error.span.get() {
                typst::syntax::DiagSpanKind::Number { num, sub_range, .. } => source.range(num, sub_range).unwrap_or(0..0),
                typst::syntax::DiagSpanKind::Range { range, .. } => range,
                typst::syntax::DiagSpanKind::Detached => 0..0,
            };
            let lines = source.lines();
            let line = lines.byte_to_line(range.start).unwrap_or(0) + 1;
            let column = lines.byte_to_column(range.start).unwrap_or(0) + 1;
            return Err(AssetsError::Template { file: name.to_string(), line, column, message: error.message.to_string() });
        }
    }
    Ok(())
}

/// Writes the embedded set into `dir` (new or empty); returns how many files.
pub fn export(dir: &Path) -> Result<usize, AssetsError> {
    if std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some()) {
        return Err(AssetsError::NotEmpty(dir.to_path_buf()));
    }
    let files = embedded();
    for (name, text) in &files {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| AssetsError::Write { path: parent.to_path_buf(), source })?;
        }
        std::fs::write(&path, text).map_err(|source| AssetsError::Write { path: path.clone(), source })?;
    }
    Ok(files.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_set_holds_every_template_and_catalog_once_and_each_checks() {
        let files = embedded();
        let mut names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        names.dedup();
        assert_eq!(names.len(), files.len());
        assert!(
            names.contains(&"templates/invoice.typ")
                && names.contains(&"letters/documents.toml")
                && names.contains(&"data/holidays-wa.toml")
        );
        for (name, text) in &files {
            check(name, text).unwrap_or_else(|e| panic!("{e}"));
        }
    }

    #[test]
    fn an_override_replaces_its_file_only_and_is_listed_with_its_sha256() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("data")).unwrap();
        let text = "[imb]\n";
        std::fs::write(dir.path().join("data/mail.toml"), text).unwrap();
        let a = Assets::load(dir.path()).unwrap();
        assert_eq!(a.text("data/mail.toml"), text);
        assert_eq!(a.text("letters/aces.toml"), crate::texts::aces::ACES);
        assert_eq!(a.overridden(), [Overridden { file: "data/mail.toml".into(), sha256: crate::route::sha256_hex(text.as_bytes()) }]);
    }

    #[test]
    fn bad_overrides_are_named_before_any_work() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("templates")).unwrap();
        std::fs::write(root.join("templates/notice.typ"), "#let a = 1\n#let b = (1, 2\n").unwrap();
        let e = Assets::load(root).unwrap_err().to_string();
        assert!(e.starts_with("--assets: templates/notice.typ:2:"), "{e}");
        std::fs::write(root.join("templates/notice.typ"), "ok\n").unwrap();
        std::fs::create_dir_all(root.join("letters")).unwrap();
        std::fs::write(root.join("letters/documents.toml"), "[common.en\n").unwrap();
        let e = Assets::load(root).unwrap_err().to_string();
        assert!(e.starts_with("--assets: letters/documents.toml: TOML parse error at line 1"), "{e}");
        std::fs::remove_file(root.join("letters/documents.toml")).unwrap();
        std::fs::write(root.join("letters/documnets.toml"), "").unwrap();
        assert_eq!(
            Assets::load(root).unwrap_err().to_string(),
            "--assets: letters/documnets.toml is not one of the program's files (`ssps assets export DIR` writes them all); nothing was run"
        );
    }

    #[test]
    fn a_linked_file_or_folder_is_refused_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere");
        std::fs::create_dir_all(elsewhere.join("templates")).unwrap();
        std::fs::write(elsewhere.join("templates/notice.typ"), "ok\n").unwrap();
        let root = dir.path().join("assets");
        std::fs::create_dir_all(&root).unwrap();
        std::os::unix::fs::symlink(elsewhere.join("templates"), root.join("templates")).unwrap();
        assert_eq!(
            Assets::load(&root).unwrap_err().to_string(),
            "--assets: templates is not a regular file (a symbolic link, a pipe); copy the file into the folder instead"
        );
    }

    #[test]
    fn export_writes_the_set_into_an_empty_folder_only() {
        let dir = tempfile::tempdir().unwrap();
        let n = export(&dir.path().join("set")).unwrap();
        assert_eq!(n, embedded().len());
        let back = Assets::load(&dir.path().join("set")).unwrap();
        assert_eq!(back.overridden().len(), n);
        assert!(matches!(export(&dir.path().join("set")), Err(AssetsError::NotEmpty(_))));
    }
}
