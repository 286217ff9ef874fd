//! Unit tests of the registration codes: known answers computed a second
//! way (HMAC built by hand from SHA-256, base32 from a bit string), the
//! forgiving comparison, expiry, and the secret file's refusals.

use sha2::{Digest, Sha256};

use super::*;

const KEY: &[u8; 32] = b"ssps test secret: 32 bytes long!";

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn secret() -> Secret {
    Secret::from_bytes(KEY).unwrap()
}

/// HMAC-SHA256 as RFC 2104 writes it, from the hash alone.
fn hand_hmac(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let ipad: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
    let opad: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
    let inner = Sha256::new().chain_update(&ipad).chain_update(message).finalize();
    Sha256::new().chain_update(&opad).chain_update(inner).finalize().into()
}

/// The code written out by hand: the MAC's bits as a string of 0s and 1s,
/// the first 60 read five at a time.
fn hand_code(key: &[u8], payee: &str, date: &str) -> String {
    let message = format!("ssps-registration-v1\0{payee}\0{date}");
    let bits: String = hand_hmac(key, message.as_bytes()).iter().map(|b| format!("{b:08b}")).collect();
    let alphabet: Vec<char> = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".chars().collect();
    let chars: String = (0..12).map(|i| alphabet[usize::from_str_radix(&bits[i * 5..i * 5 + 5], 2).unwrap()]).collect();
    format!("{}-{}-{}", &chars[..4], &chars[4..8], &chars[8..])
}

#[test]
fn the_hand_made_hmac_is_rfc_4231s() {
    // RFC 4231, test case 2.
    let mac = hand_hmac(b"Jefe", b"what do ya want for nothing?");
    let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

#[test]
fn codes_are_the_known_answers() {
    let s = secret();
    for (payee, day, known) in [("100200305", "2026-10-20", "08QJ-2CM7-N1Y3"), ("100200306", "2026-10-20", "MMV1-6KCS-4RGX")] {
        let c = code(&s, payee, date(day)).to_string();
        assert_eq!(c, hand_code(KEY, payee, day));
        assert_eq!(c, known, "the value Python's hmac module gives");
    }
    // Every character is a Crockford digit: no I, L, O, U.
    for n in 0..200 {
        let c = code(&s, &format!("P{n}"), date("2026-01-01")).to_string();
        assert_eq!((c.len(), &c[4..5], &c[9..10]), (14, "-", "-"));
        assert!(c.chars().filter(|&c| c != '-').all(|c| "0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(c)), "{c}");
    }
}

#[test]
fn another_payee_date_or_secret_gives_another_code() {
    let s = secret();
    let base = code(&s, "100200305", date("2026-10-20")).to_string();
    assert_eq!(base, code(&s, "100200305", date("2026-10-20")).to_string(), "deterministic");
    assert_ne!(base, code(&s, "100200306", date("2026-10-20")).to_string());
    assert_ne!(base, code(&s, "100200305", date("2026-10-21")).to_string());
    let other = Secret::from_bytes(b"another secret, also 32 bytes..!").unwrap();
    assert_ne!(base, code(&other, "100200305", date("2026-10-20")).to_string());
    // The NUL separators keep payee and date apart: "1" + "0…" is not "10" + "…".
    assert_ne!(code(&s, "1", date("2026-10-20")).to_string(), code(&s, "10", date("2026-10-20")).to_string());
}

#[test]
fn a_code_typed_loosely_matches_and_nothing_else_does() {
    let s = secret();
    let d = date("2026-10-20");
    // 08QJ-2CM7-N1Y3: its 0 typed as O, its 1 as I or l, lower case, spaces.
    for typed in ["08QJ-2CM7-N1Y3", "08qj2cm7n1y3", "O8QJ 2CM7 NIY3", " 08qj - 2cm7 - nly3 ", "o8Qj2cM7-n1y3"] {
        assert!(matches(&s, "100200305", d, typed), "{typed:?}");
    }
    for typed in [
        "08QJ-2CM7-N1Y4",  // one character off
        "08QJ-2CM7-N1Y",   // too short
        "08QJ-2CM7-N1Y30", // too long
        "08QJ-2CM7-N1YU",  // U is no digit
        "08QJ_2CM7_N1Y3",  // another separator
        "",
    ] {
        assert!(!matches(&s, "100200305", d, typed), "{typed:?}");
    }
    assert!(!matches(&s, "100200306", d, "08QJ-2CM7-N1Y3"), "another payee's");
    assert!(!matches(&s, "100200305", date("2026-10-21"), "08QJ-2CM7-N1Y3"), "another letter's");
}

#[test]
fn a_code_works_through_the_ninetieth_day() {
    assert_eq!(expires(date("2026-10-20")), date("2027-01-18"));
    assert_eq!(expires(date("2026-10-20")) - date("2026-10-20"), chrono::Duration::days(VALID_DAYS));
    assert_eq!(expires(NaiveDate::MAX), NaiveDate::MAX, "no panic at the calendar's end");
}

#[test]
fn the_used_key_is_a_keyed_fingerprint_not_the_code() {
    let s = secret();
    let k = used_key(&s, "100200305", date("2026-10-20"));
    let hand: String = hand_hmac(KEY, b"ssps-registration-used\x00100200305\x002026-10-20").iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(k, hand);
    assert_eq!(k, "707120657fc4795d5d030a867dacde4e4ac7cbf12035c838fae438beeddaf1d4");
    assert_ne!(k, used_key(&s, "100200305", date("2026-10-21")));
}

#[test]
fn neither_secret_nor_code_is_shown_by_debug() {
    let s = secret();
    let c = code(&s, "100200305", date("2026-10-20"));
    assert_eq!((format!("{s:?}"), format!("{c:?}")), ("Secret(…)".to_string(), "Code(…)".to_string()));
}

#[test]
fn a_short_secret_is_refused() {
    assert_eq!(Secret::from_bytes(&[7u8; 31]).unwrap_err().to_string(), "a secret is at least 32 bytes; this one has 31");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("short");
    std::fs::write(&path, [7u8; 31]).unwrap();
    restrict(&path, 0o600);
    let err = Secret::load(&path).unwrap_err();
    assert!(matches!(err, SecretError::TooShort { bytes: 31, .. }), "{err}");
    assert!(err.to_string().starts_with(&format!("the secret file {} holds 31 bytes", path.display())), "{err}");
    std::fs::write(&path, [7u8; 32]).unwrap();
    assert!(Secret::load(&path).is_ok());
}

#[cfg(unix)]
fn restrict(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(not(unix))]
fn restrict(_: &Path, _: u32) {}

#[cfg(unix)]
#[test]
fn a_secret_others_may_read_is_refused_like_an_ssh_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("secret");
    std::fs::write(&path, KEY).unwrap();
    for mode in [0o644, 0o640, 0o604, 0o660, 0o601] {
        restrict(&path, mode);
        let err = Secret::load(&path).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("the secret file {p} is open to other users (mode {mode:04o}): restrict it with `chmod 600 {p}`", p = path.display())
        );
    }
    for mode in [0o600, 0o400] {
        restrict(&path, mode);
        let loaded = Secret::load(&path).unwrap();
        assert_eq!(code(&loaded, "1", date("2026-01-01")).to_string(), code(&secret(), "1", date("2026-01-01")).to_string());
    }
}

#[cfg(unix)]
#[test]
fn a_link_a_folder_and_a_missing_file_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real");
    std::fs::write(&real, KEY).unwrap();
    restrict(&real, 0o600);
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    assert_eq!(
        Secret::load(&link).unwrap_err().to_string(),
        format!("the secret file {} is a symbolic link: give the file itself", link.display())
    );
    let folder = dir.path().join("folder");
    std::fs::create_dir(&folder).unwrap();
    restrict(&folder, 0o700);
    assert_eq!(Secret::load(&folder).unwrap_err().to_string(), format!("the secret file {} is not a regular file", folder.display()));
    let missing = dir.path().join("missing");
    assert_eq!(Secret::load(&missing).unwrap_err().to_string(), format!("cannot read the secret file {}", missing.display()));
}
