//! The one-time codes of the provider-portal registration letters: made
//! here for the letters (`ssps registration-letters`) and checked here by
//! the portal when a payee registers.
//!
//! A code is not stored anywhere: it is HMAC-SHA256, keyed by a secret only
//! the SSPS servers hold, of the payee number and the letter date, cut to
//! 60 bits and written as 12 characters of Crockford's base32
//! (`XXXX-XXXX-XXXX`). The letter run and the portal compute the same code
//! from the same secret, so the run never writes it to a file, a log or a
//! summary: it exists only on the printed letter. Codes are deterministic
//! (same secret, payee and date: same code), so a rerun prints the same
//! letters byte for byte.
//!
//! The portal checks an entered code with [`matches`] (constant time,
//! forgiving of case, spaces, hyphens and the letters people mistake for
//! digits), accepts it through [`expires`], and records its use by
//! [`used_key`], a fingerprint from which the code cannot be recovered.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Shortest secret accepted, in bytes (256 bits, HMAC-SHA256's key size).
pub const MIN_SECRET_BYTES: usize = 32;
/// Longest secret file read, in bytes (anything longer is not a key file).
pub const MAX_SECRET_BYTES: usize = 64 * 1024;

/// How long a code is good for: 90 days after the letter date (the
/// letter's own expiry date is the last day it works).
pub const VALID_DAYS: i64 = 90;

/// The code's HMAC input starts with this (a version: a changed scheme
/// gets a new prefix, so no old code is accepted by mistake).
const CODE_CONTEXT: &str = "ssps-registration-v1";
/// The used-code fingerprint's HMAC input starts with this.
const USED_CONTEXT: &str = "ssps-registration-used";

/// Crockford's base32 digits: no I, L, O or U.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Characters of a code.
const CODE_CHARS: usize = 12;

/// The key the codes are made with. Its bytes are never printed (`Debug`
/// shows `Secret(…)`).
pub struct Secret(Vec<u8>);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// Why a secret cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The file cannot be opened or read.
    #[error("cannot read the secret file {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A symbolic link: the secret must be the file itself.
    #[error("the secret file {path} is a symbolic link: give the file itself")]
    Symlink {
        /// The file.
        path: PathBuf,
    },
    /// A folder, a pipe, a device.
    #[error("the secret file {path} is not a regular file")]
    NotAFile {
        /// The file.
        path: PathBuf,
    },
    /// The group or others may read or write it.
    #[error("the secret file {path} is open to other users (mode {mode:04o}): restrict it with `chmod 600 {path}`")]
    Permissions {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// Too short to be a key.
    #[error("the secret file {path} holds {bytes} bytes; a secret is at least {MIN_SECRET_BYTES} random bytes (for example `head -c 32 /dev/urandom > FILE`)")]
    TooShort {
        /// The file.
        path: PathBuf,
        /// Its length.
        bytes: usize,
    },
    /// Too long to be a key file.
    #[error("the secret file {path} is larger than {MAX_SECRET_BYTES} bytes: it is not a key file")]
    TooLong {
        /// The file.
        path: PathBuf,
    },
    /// Bytes given directly, too few.
    #[error("a secret is at least {MIN_SECRET_BYTES} bytes; this one has {0}")]
    ShortBytes(usize),
}

impl Secret {
    /// A key for another use (the portal's form tokens, its sealing of
    /// second-factor secrets): HMAC-SHA256 of `label` under the secret, so
    /// no use can learn the secret or another use's key.
    pub fn derive(&self, label: &str) -> [u8; 32] {
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        m.update(b"ssps-derive-v1\0");
        m.update(label.as_bytes());
        m.finalize().into_bytes().into()
    }
}

impl Secret {
    /// Reads a secret file: at least [`MIN_SECRET_BYTES`] bytes, all of
    /// them the key (a trailing line break included). Refused, naming the
    /// path, when shorter, when not a regular file, when a symbolic link,
    /// and on Unix when its mode grants the group or others anything (as
    /// ssh refuses a private key: `chmod 600 FILE`).
    pub fn load(path: &Path) -> Result<Secret, SecretError> {
        let read = |source| SecretError::Read { path: path.to_path_buf(), source };
        let meta = std::fs::symlink_metadata(path).map_err(read)?;
        if meta.file_type().is_symlink() {
            return Err(SecretError::Symlink { path: path.to_path_buf() });
        }
        check_file(path, &meta)?;
        let mut options = std::fs::OpenOptions::new();
        options.read(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            // Neither a link nor a pipe swapped in after the check.
            options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
        }
        let file = options.open(path).map_err(|e| {
            #[cfg(unix)]
            if e.raw_os_error() == Some(libc::ELOOP) {
                return SecretError::Symlink { path: path.to_path_buf() };
            }
            read(e)
        })?;
        // The file opened is the one checked, whatever happened meanwhile.
        check_file(path, &file.metadata().map_err(read)?)?;
        let mut bytes = Vec::new();
        file.take(MAX_SECRET_BYTES as u64 + 1).read_to_end(&mut bytes).map_err(read)?;
        if bytes.len() > MAX_SECRET_BYTES {
            return Err(SecretError::TooLong { path: path.to_path_buf() });
        }
        if bytes.len() < MIN_SECRET_BYTES {
            return Err(SecretError::TooShort { path: path.to_path_buf(), bytes: bytes.len() });
        }
        Ok(Secret(bytes))
    }

    /// A secret from bytes (tests, the portal's demo mode): at least
    /// [`MIN_SECRET_BYTES`].
    pub fn from_bytes(b: &[u8]) -> Result<Secret, SecretError> {
        if b.len() < MIN_SECRET_BYTES {
            return Err(SecretError::ShortBytes(b.len()));
        }
        Ok(Secret(b.to_vec()))
    }

    /// HMAC-SHA256 of `context`, payee and date, each part after a NUL.
    fn mac(&self, context: &str, payee: &str, date: NaiveDate) -> [u8; 32] {
        // HMAC takes a key of any length: this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        mac.update(context.as_bytes());
        mac.update(b"\0");
        mac.update(payee.as_bytes());
        mac.update(b"\0");
        mac.update(date.format("%Y-%m-%d").to_string().as_bytes());
        mac.finalize().into_bytes().into()
    }
}

/// A regular file whose permissions keep other users out.
fn check_file(path: &Path, meta: &std::fs::Metadata) -> Result<(), SecretError> {
    if !meta.is_file() {
        return Err(SecretError::NotAFile { path: path.to_path_buf() });
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o7777;
        if mode & 0o077 != 0 {
            return Err(SecretError::Permissions { path: path.to_path_buf(), mode });
        }
    }
    Ok(())
}

/// A registration code: `Display` prints it (`XXXX-XXXX-XXXX`), `Debug`
/// never does (`Code(…)`), so it cannot slip into a log by `{:?}`.
#[derive(Clone)]
pub struct Code([u8; CODE_CHARS]);

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, group) in self.0.chunks(4).enumerate() {
            if i > 0 {
                f.write_str("-")?;
            }
            for &c in group {
                fmt::Write::write_char(f, char::from(c))?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Code(…)")
    }
}

/// The first 60 bits of a MAC, as a number.
fn first_60_bits(mac: &[u8; 32]) -> u64 {
    let mut eight = [0u8; 8];
    eight.copy_from_slice(&mac[..8]);
    u64::from_be_bytes(eight) >> 4
}

/// The code of the letter to `payee` dated `date`: HMAC-SHA256(secret,
/// `"ssps-registration-v1\0" + payee + "\0" + YYYY-MM-DD`), its first 60
/// bits as 12 characters of Crockford's base32 (most significant first),
/// printed `XXXX-XXXX-XXXX`.
pub fn code(secret: &Secret, payee: &str, date: NaiveDate) -> Code {
    let bits = first_60_bits(&secret.mac(CODE_CONTEXT, payee, date));
    let mut chars = [0u8; CODE_CHARS];
    for (i, c) in chars.iter_mut().enumerate() {
        let shift = 5 * (CODE_CHARS - 1 - i);
        *c = ALPHABET[((bits >> shift) & 31) as usize];
    }
    Code(chars)
}

/// The 60 bits a typed code stands for: case ignored, spaces and hyphens
/// ignored, `O` read as `0` and `I`, `L` as `1` (Crockford's aliases);
/// `None` when it is not 12 such characters.
fn decode(entered: &str) -> Option<u64> {
    let mut bits = 0u64;
    let mut n = 0usize;
    for c in entered.chars() {
        if c == ' ' || c == '-' {
            continue;
        }
        let c = match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        let value = ALPHABET.iter().position(|&a| char::from(a) == c)?;
        n += 1;
        if n > CODE_CHARS {
            return None;
        }
        bits = (bits << 5) | value as u64;
    }
    (n == CODE_CHARS).then_some(bits)
}

/// Whether `entered` is the code of the letter to `payee` dated `date`:
/// case-insensitive, spaces and hyphens ignored, Crockford's aliases (`O`
/// for `0`, `I` and `L` for `1`) accepted; the code is compared in constant
/// time. Whether the date is still within [`expires`] is the caller's to
/// check.
pub fn matches(secret: &Secret, payee: &str, date: NaiveDate, entered: &str) -> bool {
    let Some(typed) = decode(entered) else { return false };
    let expected = first_60_bits(&secret.mac(CODE_CONTEXT, payee, date));
    typed.ct_eq(&expected).into()
}

/// The last day the code of a letter dated `date` works: [`VALID_DAYS`]
/// after it.
pub fn expires(date: NaiveDate) -> NaiveDate {
    date.checked_add_signed(chrono::Duration::days(VALID_DAYS)).unwrap_or(NaiveDate::MAX)
}

/// A fingerprint to store instead of the code, to record that the code of
/// the letter to `payee` dated `date` was used: lowercase hex of
/// HMAC-SHA256(secret, `"ssps-registration-used\0" + payee + "\0" +
/// YYYY-MM-DD`). The code cannot be recovered from it.
pub fn used_key(secret: &Secret, payee: &str, date: NaiveDate) -> String {
    secret.mac(USED_CONTEXT, payee, date).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests;
