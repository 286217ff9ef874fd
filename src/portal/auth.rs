//! Sign-in security: password hashing and rules, session ids, form tokens
//! (CSRF), the failed-attempt lockout, the TOTP second factor.
//!
//! - Passwords: Argon2id (19 MiB, 2 passes, 1 lane: OWASP's minimum),
//!   hashed by the caller off the async threads. Rules are NIST SP 800-63B
//!   and OWASP ASVS's: 12 to 128 characters, not a common password, not the
//!   payee number or the email, no composition rules.
//! - Session ids: 32 random bytes; only their SHA-256 is stored.
//! - Form tokens: an HMAC of the session id (or, signed out, of a
//!   pre-session cookie) under a key derived from the portal secret, so
//!   nothing is stored and a token dies with its session.
//! - Lockout: an account (or an unknown email) with 10 failures in the
//!   past 15 minutes is locked until fewer remain in that sliding window,
//!   at most 15 minutes after the last (the time the page names). Tries
//!   while locked are refused before the password is looked at and not
//!   counted, so at most 10 tries reach a password in any 15 minutes, 40
//!   an hour (ASVS: at most 100), and nobody can keep a provider out
//!   longer than 15 minutes at a time. 50 failures in 15 minutes from one
//!   address lock that address the same way.
//! - TOTP (RFC 6238, SHA-1, 6 digits, 30 s, ±1 step): the secret is sealed
//!   under a key derived from the portal secret; a code is good once.

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// The shortest password accepted.
pub const MIN_PASSWORD: usize = 12;
/// The longest password accepted (Argon2 takes any, but a bound keeps a
/// request's work bounded).
pub const MAX_PASSWORD: usize = 128;

/// Common passwords long enough to pass the length rule, lower case.
const COMMON: &str = include_str!("common-passwords.txt");

fn argon2() -> Argon2<'static> {
    // 19 MiB, 2 iterations, 1 lane: OWASP's Argon2id baseline.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_else(|_| unreachable!("constant parameters are valid"));
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password with a fresh salt (slow: call off the async threads).
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = random::<16>();
    argon2().hash_password_with_salt(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| e.to_string())
}

/// Whether `password` matches the stored hash (slow, like hashing).
pub fn verify_password(password: &str, hash: &str) -> bool {
    argon2().verify_password(password.as_bytes(), hash).is_ok()
}

/// A hash to verify against when there is no account, so an unknown
/// email takes as long as a wrong password.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("ssps-portal-no-such-account").unwrap_or_default())
}

/// Why a new password is refused (catalog keys of `letters/portal.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordProblem {
    /// Shorter than [`MIN_PASSWORD`] characters.
    TooShort,
    /// Longer than [`MAX_PASSWORD`].
    TooLong,
    /// On the common-password list, or made of one repeated character.
    Common,
    /// Contains the payee number or the email's name.
    Personal,
}

impl PasswordProblem {
    /// The catalog key of its message.
    pub fn key(self) -> &'static str {
        match self {
            PasswordProblem::TooShort => "error_password_short",
            PasswordProblem::TooLong => "error_password_long",
            PasswordProblem::Common => "error_password_common",
            PasswordProblem::Personal => "error_password_personal",
        }
    }
}

/// Checks a new password against the rules.
pub fn password_problem(password: &str, payee_number: &str, email: &str) -> Option<PasswordProblem> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD {
        return Some(PasswordProblem::TooShort);
    }
    if chars > MAX_PASSWORD {
        return Some(PasswordProblem::TooLong);
    }
    let lower = password.to_lowercase();
    let first = lower.chars().next();
    if lower.chars().all(|c| Some(c) == first) || COMMON.lines().any(|l| !l.is_empty() && l == lower) {
        return Some(PasswordProblem::Common);
    }
    let local = email.split('@').next().unwrap_or("").to_lowercase();
    if (!payee_number.is_empty() && lower.contains(payee_number)) || (local.len() >= 4 && lower.contains(&local)) {
        return Some(PasswordProblem::Personal);
    }
    None
}

/// `N` random bytes from the operating system.
pub fn random<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    // The OS generator failing is not something a server can go on from.
    getrandom::fill(&mut b).unwrap_or_else(|e| panic!("the operating system's random generator failed: {e}"));
    b
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// SHA-256 of a session id: what the store keeps.
pub fn session_hash(id: &str) -> Vec<u8> {
    Sha256::digest(id.as_bytes()).to_vec()
}

/// A new session id (64 hex characters).
pub fn new_session_id() -> String {
    hex(&random::<32>())
}

/// Whether a cookie value has the shape of our ids (64 hex characters).
pub fn id_shaped(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Keys derived from the portal secret.
#[derive(Clone)]
pub struct Keys {
    csrf: [u8; 32],
    totp: [u8; 32],
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(…)")
    }
}

fn mac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut m = <HmacSha256 as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    for p in parts {
        m.update(&(p.len() as u64).to_be_bytes());
        m.update(p);
    }
    m.finalize().into_bytes().into()
}

impl Keys {
    /// Derives the keys from the portal secret.
    pub fn derive(secret: &crate::regcode::Secret) -> Keys {
        Keys::from_secret(&secret.derive("ssps-portal-keys-v1"))
    }

    /// Derives the keys from key material.
    pub fn from_secret(secret: &[u8]) -> Keys {
        Keys { csrf: mac(secret, &[b"ssps-portal-csrf-v1"]), totp: mac(secret, &[b"ssps-portal-totp-seal-v1"]) }
    }

    /// The form token of a session id or pre-session value.
    pub fn form_token(&self, scope: &str, value: &str) -> String {
        hex(&mac(&self.csrf, &[scope.as_bytes(), value.as_bytes()]))
    }

    /// Whether `given` is the form token of `value`, in constant time.
    pub fn form_token_ok(&self, scope: &str, value: &str, given: &str) -> bool {
        let want = self.form_token(scope, value);
        want.len() == given.len() && want.bytes().zip(given.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    }

    /// Seals (or unseals: the same operation) a TOTP secret of an account.
    pub fn seal_totp(&self, account_id: i64, nonce: &[u8], secret: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(secret.len());
        for (block, chunk) in secret.chunks(32).enumerate() {
            let pad = mac(&self.totp, &[&account_id.to_be_bytes(), nonce, &(block as u64).to_be_bytes()]);
            out.extend(chunk.iter().zip(pad.iter()).map(|(a, b)| a ^ b));
        }
        out
    }
}

/// The sign-in limits, and the session lifetimes.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Failures within `window` that lock an account or email.
    pub account_failures: u32,
    /// Failures within `window` that refuse an address.
    pub address_failures: u32,
    /// The counting window and the lock's length, seconds.
    pub window: i64,
    /// Idle session timeout, seconds.
    pub idle: i64,
    /// Absolute session lifetime, seconds.
    pub absolute: i64,
    /// How long before the idle timeout the page warns, seconds.
    pub warn_before: i64,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy { account_failures: 10, address_failures: 50, window: 15 * 60, idle: 15 * 60, absolute: 12 * 3600, warn_before: 120 }
    }
}

impl Policy {
    /// When the warning shows, seconds after the last request: two minutes
    /// before the timeout, or at half of a short timeout.
    pub fn warn_after(&self) -> i64 {
        if self.idle > 2 * self.warn_before {
            self.idle - self.warn_before
        } else {
            self.idle / 2
        }
    }
}

/// The failure-counter key of an account, an email without an account,
/// and an address. Emails are hashed: the counters hold no personal data.
pub fn failure_key_account(id: i64) -> String {
    format!("account:{id}")
}

/// See [`failure_key_account`].
pub fn failure_key_email(email: &str) -> String {
    format!("email:{}", hex(&Sha256::digest(email.as_bytes())[..16]))
}

/// See [`failure_key_account`].
pub fn failure_key_address(addr: &str) -> String {
    format!("address:{addr}")
}

/// A TOTP secret: 20 random bytes, shown to the user in base32.
pub fn new_totp_secret() -> [u8; 20] {
    random::<20>()
}

/// RFC 4648 base32 without padding (what authenticator apps take).
pub fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            out.push(ALPHABET[((buffer >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// The time step a TOTP code is good for around `now`, if any (±1 step).
pub fn totp_step(secret: &[u8], code: &str, now: i64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let totp = totp(secret)?;
    let step = now.div_euclid(30);
    [step - 1, step, step + 1].into_iter().find(|s| {
        let want = totp.generate(u64::try_from(s * 30).unwrap_or(0)).to_string();
        want.len() == code.len() && want.bytes().zip(code.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    })
}

/// The code an authenticator shows at `now` (tests and the enrolment check).
pub fn totp_code(secret: &[u8], now: i64) -> String {
    totp(secret).map(|t| t.generate(u64::try_from(now).unwrap_or(0)).to_string()).unwrap_or_default()
}

/// RFC 6238 with the authenticator apps' settings: SHA-1, 6 digits, 30 s.
fn totp(secret: &[u8]) -> Option<totp_rs::Totp> {
    totp_rs::Builder::new()
        .with_algorithm(totp_rs::Algorithm::SHA1)
        .with_digits(6)
        .with_skew(0)
        .with_step_duration(30)
        .with_secret(secret.to_vec())
        .build()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_verify_and_rules() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterY", &h));
        assert_ne!(h, hash_password("correct horse battery").unwrap(), "a fresh salt each time");
        assert_eq!(password_problem("short pass", "100200305", "a@b.org"), Some(PasswordProblem::TooShort));
        assert_eq!(password_problem("PasswordPassword", "100200305", "a@b.org"), Some(PasswordProblem::Common));
        assert_eq!(password_problem("aaaaaaaaaaaaaa", "100200305", "a@b.org"), Some(PasswordProblem::Common));
        assert_eq!(password_problem("my100200305pass", "100200305", "a@b.org"), Some(PasswordProblem::Personal));
        assert_eq!(password_problem("maria.lopez2026!", "1", "maria.lopez@example.org"), Some(PasswordProblem::Personal));
        assert_eq!(password_problem(&"x".repeat(129), "1", "a@b.org"), Some(PasswordProblem::TooLong));
        assert_eq!(password_problem("plum tractor violin", "100200305", "a@b.org"), None);
    }

    #[test]
    fn form_tokens_are_bound_to_their_value_and_key() {
        let k = Keys::from_secret(&[7; 32]);
        let t = k.form_token("session", "abc");
        assert!(k.form_token_ok("session", "abc", &t));
        assert!(!k.form_token_ok("session", "abd", &t));
        assert!(!k.form_token_ok("pre", "abc", &t));
        assert!(!Keys::from_secret(&[8; 32]).form_token_ok("session", "abc", &t));
        assert!(!k.form_token_ok("session", "abc", ""));
        assert_eq!(format!("{k:?}"), "Keys(…)");
    }

    #[test]
    fn totp_matches_rfc6238_and_seals_round_trip() {
        // RFC 6238 appendix B, SHA-1, secret "12345678901234567890", T = 59 s: 94287082 (8 digits) → 287082.
        let secret = b"12345678901234567890";
        assert_eq!(totp_code(secret, 59), "287082");
        assert_eq!(totp_step(secret, "287 082", 59), Some(1));
        assert_eq!(totp_step(secret, "287082", 59 + 30), Some(1), "one step of clock drift");
        assert_eq!(totp_step(secret, "287082", 59 + 90), None);
        assert_eq!(totp_step(secret, "28708", 59), None);
        let k = Keys::from_secret(&[1; 32]);
        let sealed = k.seal_totp(5, b"nonce", secret);
        assert_ne!(&sealed[..], &secret[..]);
        assert_eq!(k.seal_totp(5, b"nonce", &sealed), secret.to_vec());
        assert_ne!(k.seal_totp(6, b"nonce", &sealed), secret.to_vec());
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
    }

    #[test]
    fn lockout_policy_stays_under_asvs_bound() {
        let p = Policy::default();
        // Worst case: a full burst, then the lock, again and again.
        let per_hour = p.account_failures as i64 * (3600 / p.window);
        assert!(per_hour <= 100, "{per_hour} tries an hour");
        assert_eq!(p.warn_after(), 13 * 60);
        assert_eq!(Policy { idle: 60, ..p }.warn_after(), 30);
    }
}
