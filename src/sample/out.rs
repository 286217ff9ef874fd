//! Writing the sample: the output folder and its `.ssps-sample` marker, and the CSV
//! files, each opened with its header as `load` defines it (one definition of each
//! header: the sample writes the columns `load` reads, in its order), LF line ends.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

use super::SampleError;
use crate::load::FileSpec;

/// The marker of a folder `ssps sample` wrote: only such a folder (or an
/// empty one) is written into.
pub const SAMPLE_MARKER: &str = ".ssps-sample";

/// Makes `out_dir` ready for a sample: refuses a folder with content that has no
/// marker, creates the folder if missing, and writes the marker.
pub(super) fn prepare_folder(out_dir: &Path) -> Result<(), SampleError> {
    // Never overwrite an extract (or anything else) it did not write.
    let marker = out_dir.join(SAMPLE_MARKER);
    if out_dir.exists() {
        let empty =
            fs::read_dir(out_dir).map_err(|source| SampleError::CreateDir { path: out_dir.to_path_buf(), source })?.next().is_none();
        if !empty && !marker.is_file() {
            return Err(SampleError::NotASampleFolder(out_dir.to_path_buf()));
        }
    }
    fs::create_dir_all(out_dir).map_err(|source| SampleError::CreateDir { path: out_dir.to_path_buf(), source })?;
    fs::write(&marker, "ssps sample\n").map_err(|source| SampleError::Write { path: marker.clone(), source })
}

/// A CSV output file that counts its rows.
pub(super) struct Out {
    path: PathBuf,
    w: csv::Writer<File>,
    /// Records written after the header.
    pub(super) rows: u64,
}

impl Out {
    /// Creates `spec`'s file in `dir` and writes its header: `load`'s columns, in order.
    pub(super) fn create(dir: &Path, spec: &'static FileSpec) -> Result<Out, SampleError> {
        let path = dir.join(spec.name);
        let file = File::create(&path).map_err(|source| SampleError::Write { path: path.clone(), source })?;
        let w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).buffer_capacity(1 << 16).from_writer(file);
        let mut out = Out { path, w, rows: 0 };
        let result = out.w.write_record(spec.columns.iter().map(|c| c.name));
        result.map_err(|e| write_error(&out.path, e))?;
        Ok(out)
    }

    /// Writes one record; returns its line number (header = 1).
    pub(super) fn write<T: AsRef<[u8]>>(&mut self, record: &[T]) -> Result<u64, SampleError> {
        debug_assert!(record.iter().all(|f| !f.as_ref().contains(&b'\n') && !f.as_ref().contains(&b'\r')));
        let result = self.w.write_record(record);
        result.map_err(|e| write_error(&self.path, e))?;
        self.rows += 1;
        Ok(self.rows + 1)
    }

    /// Flushes the file.
    pub(super) fn finish(mut self) -> Result<(), SampleError> {
        self.w.flush().map_err(|source| SampleError::Write { path: self.path.clone(), source })
    }
}

fn write_error(path: &Path, e: csv::Error) -> SampleError {
    let source = match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    };
    SampleError::Write { path: path.to_path_buf(), source }
}
