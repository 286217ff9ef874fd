//! The two digests a shard records and the merge compares: the inputs
//! (the program, the options, the content of the files the input options
//! name) and the composition (every document of the run and what it says).

use std::io::Read;
use std::path::Path;

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::hex;

/// Options whose value names an input file or folder: the digest covers
/// its content, not its path (a new option naming an input belongs here).
pub const PATH_OPTIONS: [&str; 8] =
    ["--data", "--assets", "--mail-config", "--payer", "--iris-layout", "--tax-years", "--corrected-from", "--secret"];

/// The digest of a run's inputs: the program itself, the command (its
/// first word, the program's path, left out), and in place of the value of
/// each option of [`PATH_OPTIONS`] (from `cwd`), the content of what it
/// names: a file's bytes (a symbolic link given as the option is followed);
/// for `--data`, every regular file at the folder's top (the extract's
/// files: the loader reads nothing deeper); for other folders, every file
/// under them by relative path (symbolic links inside by their target's
/// name, never followed). Every other word is taken as written (`--db`, a
/// live database, is covered by the composition digest instead).
pub fn inputs_digest(command: &[String], cwd: &Path) -> Result<String, std::io::Error> {
    let mut h = Sha256::new();
    let exe = std::env::current_exe()?;
    h.update(b"program\0");
    hash_file(&mut h, &exe)?;
    let mut flag = "";
    for a in command.iter().skip(1) {
        h.update(b"\0arg\0");
        let (name, value) = match a.split_once('=').filter(|_| a.starts_with("--")) {
            Some((k, v)) => (k, v),
            None if a.starts_with("--") => {
                flag = a;
                h.update(a.as_bytes());
                continue;
            }
            None => (std::mem::take(&mut flag), a.as_str()),
        };
        h.update(name.as_bytes());
        h.update(b"=");
        if PATH_OPTIONS.contains(&name) {
            h.update(b"\0content\0");
            let path = cwd.join(value);
            let meta = std::fs::metadata(&path)?;
            if meta.is_dir() && name == "--data" {
                hash_top(&mut h, &path)?;
            } else if meta.is_dir() {
                hash_path(&mut h, &path, Path::new(""))?;
            } else {
                hash_file(&mut h, &path)?;
            }
        } else {
            h.update(value.as_bytes());
        }
    }
    Ok(hex(&h.finalize()))
}

/// The regular files at the top of `dir`, by name and content.
fn hash_top(h: &mut Sha256, dir: &Path) -> Result<(), std::io::Error> {
    let mut names: Vec<_> = std::fs::read_dir(dir)?.map(|e| e.map(|e| e.file_name())).collect::<Result<_, _>>()?;
    names.sort();
    for name in names {
        let path = dir.join(&name);
        if std::fs::symlink_metadata(&path)?.is_file() {
            h.update(name.to_string_lossy().as_bytes());
            h.update(b"\0file\0");
            hash_file(h, &path)?;
            h.update(b"\0");
        }
    }
    Ok(())
}

/// The digest of a run's documents: each one's index, kind, id, recipient,
/// pages and everything it says (its composed data), in order. Shards that
/// composed different amounts, names or addresses differ here.
#[derive(Default)]
pub struct Composition {
    h: Sha256,
    n: usize,
}

impl Composition {
    /// Adds the next document.
    pub fn add(&mut self, kind: &str, id: &str, recipient: &str, pages: usize, data: &impl Serialize) {
        self.h.update(format!("{}\t{kind}\t{id}\t{recipient}\t{pages}\t", self.n).as_bytes());
        // Serializing plain composed data cannot fail; if it did, the
        // digest would differ and the merge refuse.
        let _ = serde_json::to_writer(HashWriter(&mut self.h), data);
        self.h.update(b"\n");
        self.n += 1;
    }

    /// The digest.
    pub fn finish(self) -> String {
        hex(&self.h.finalize())
    }
}

struct HashWriter<'a>(&'a mut Sha256);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn hash_file(h: &mut Sha256, path: &Path) -> Result<(), std::io::Error> {
    let mut f = std::fs::File::open(path)?;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        h.update(&buf[..n]);
    }
}

fn hash_path(h: &mut Sha256, path: &Path, rel: &Path) -> Result<(), std::io::Error> {
    let meta = std::fs::symlink_metadata(path)?;
    h.update(rel.to_string_lossy().as_bytes());
    if meta.file_type().is_symlink() {
        h.update(b"\0link\0");
        h.update(std::fs::read_link(path)?.to_string_lossy().as_bytes());
    } else if meta.is_dir() {
        h.update(b"\0dir\0");
        let mut names: Vec<_> = std::fs::read_dir(path)?.map(|e| e.map(|e| e.file_name())).collect::<Result<_, _>>()?;
        names.sort();
        for name in names {
            hash_path(h, &path.join(&name), &rel.join(&name))?;
        }
    } else if meta.is_file() {
        h.update(b"\0file\0");
        h.update(meta.len().to_le_bytes());
        hash_file(h, path)?;
    }
    h.update(b"\0");
    Ok(())
}
