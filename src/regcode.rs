//! TEMPORARY stand-in for the registration-code module (replaced on merge).
use chrono::NaiveDate;
use std::path::Path;

pub struct Secret(Vec<u8>);
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SecretError(String);
impl Secret {
    pub fn load(path: &Path) -> Result<Secret, SecretError> {
        std::fs::read(path).map(Secret).map_err(|e| SecretError(e.to_string()))
    }
    pub fn from_bytes(b: &[u8]) -> Result<Secret, SecretError> {
        Ok(Secret(b.to_vec()))
    }
}
pub struct Code(String);
impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
pub fn code(_s: &Secret, payee: &str, date: NaiveDate) -> Code {
    Code(format!("{payee}{date}"))
}
pub fn matches(s: &Secret, payee: &str, date: NaiveDate, entered: &str) -> bool {
    code(s, payee, date).0 == entered
}
pub const VALID_DAYS: i64 = 90;
pub fn expires(date: NaiveDate) -> NaiveDate {
    date + chrono::Duration::days(VALID_DAYS)
}
pub fn used_key(_s: &Secret, payee: &str, date: NaiveDate) -> String {
    format!("{payee}-{date}")
}
impl Secret {
    pub fn derive(&self, label: &str) -> [u8; 32] {
        use hmac::Mac;
        let mut m = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(&self.0).unwrap();
        m.update(label.as_bytes());
        m.finalize().into_bytes().into()
    }
}
