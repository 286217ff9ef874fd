//! The USPS Intelligent Mail barcode (IMb), encoded in the project per
//! USPS-B-3200: tracking code and routing code → 65 four-state bars.
//!
//! The steps are the specification's, in its order:
//! 1. the routing code (0, 5, 9 or 11 digits) and the 20-digit tracking code
//!    (barcode ID, service type ID, mailer ID, serial number) become one
//!    102-bit number;
//! 2. an 11-bit frame check sequence (CRC-11, polynomial 0xF35) is computed
//!    over that number's 13 bytes;
//! 3. the number is split into ten codewords (A–I modulo 1365, J modulo 636),
//!    J is doubled (orientation) and A carries the FCS's top bit;
//! 4. each codeword picks a 13-bit character from the 5-of-13 or 2-of-13
//!    table, inverted where its FCS bit is set;
//! 5. each of the 65 bars takes one bit of a character for its descender and
//!    one for its ascender (the specification's bar-to-character table).
//!
//! [`Imb::bars`] gives the bar string (`A`scender, `D`escender, `F`ull,
//! `T`racker), which `ssps imb` prints and the print channel draws.

use std::fmt;

/// The fields of an Intelligent Mail barcode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imb {
    /// Barcode ID: two digits, the second 0–4 (`00` when no OEL is printed).
    pub barcode_id: String,
    /// Service type ID: three digits (e.g. 300 First-Class, no services).
    pub service_type: String,
    /// Mailer ID: 6 digits (starting 0–8) or 9 digits (starting 9).
    pub mailer_id: String,
    /// Serial number: 9 digits with a 6-digit mailer ID, 6 with a 9-digit one.
    pub serial: String,
    /// Routing code: the delivery point ZIP, 0, 5, 9 or 11 digits.
    pub routing: String,
}

/// Why fields cannot make a barcode; the messages name the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImbError {
    /// A field holds something other than digits.
    #[error("{field} must be digits only, got {value:?}")]
    NotDigits {
        /// Field name.
        field: &'static str,
        /// What was given.
        value: String,
    },
    /// A field has the wrong number of digits.
    #[error("{field} must be {expected}, got {len} digits")]
    Length {
        /// Field name.
        field: &'static str,
        /// The lengths allowed, in words.
        expected: &'static str,
        /// Digits given.
        len: usize,
    },
    /// The barcode ID's second digit is above 4.
    #[error("the barcode ID's second digit must be 0-4, got {0:?}")]
    BarcodeId(String),
    /// Mailer ID and serial number do not make 15 digits.
    #[error("a {mid}-digit mailer ID needs a {need}-digit serial number, got {got} digits")]
    Serial {
        /// Mailer ID length.
        mid: usize,
        /// Serial length it needs.
        need: usize,
        /// Serial length given.
        got: usize,
    },
}

fn digits(field: &'static str, value: &str) -> Result<(), ImbError> {
    if value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(ImbError::NotDigits { field, value: value.to_string() })
    }
}

impl Imb {
    /// Checks the fields against USPS-B-3200's rules.
    pub fn validate(&self) -> Result<(), ImbError> {
        for (field, value) in [
            ("barcode ID", &self.barcode_id),
            ("service type ID", &self.service_type),
            ("mailer ID", &self.mailer_id),
            ("serial number", &self.serial),
            ("routing code", &self.routing),
        ] {
            digits(field, value)?;
        }
        if self.barcode_id.len() != 2 {
            return Err(ImbError::Length { field: "barcode ID", expected: "2 digits", len: self.barcode_id.len() });
        }
        if self.barcode_id.as_bytes()[1] > b'4' {
            return Err(ImbError::BarcodeId(self.barcode_id.clone()));
        }
        if self.service_type.len() != 3 {
            return Err(ImbError::Length { field: "service type ID", expected: "3 digits", len: self.service_type.len() });
        }
        let mid = self.mailer_id.len();
        let mid_ok = match mid {
            6 => self.mailer_id.as_bytes()[0] != b'9',
            9 => self.mailer_id.as_bytes()[0] == b'9',
            _ => false,
        };
        if !mid_ok {
            return Err(ImbError::Length { field: "mailer ID", expected: "6 digits starting 0-8, or 9 digits starting 9", len: mid });
        }
        if mid + self.serial.len() != 15 {
            return Err(ImbError::Serial { mid, need: 15 - mid, got: self.serial.len() });
        }
        if ![0, 5, 9, 11].contains(&self.routing.len()) {
            return Err(ImbError::Length { field: "routing code", expected: "0, 5, 9 or 11 digits", len: self.routing.len() });
        }
        Ok(())
    }

    /// Splits a 20-digit tracking code into its fields (a mailer ID starting
    /// with 9 has 9 digits) and checks them with the routing code, in the
    /// order of USPS's encoder test cases: tracking length, tracking digits,
    /// barcode ID, routing length, routing digits. Surrounding spaces are
    /// ignored, as USPS's encoder does.
    pub fn from_tracking(tracking: &str, routing: &str) -> Result<Imb, ImbError> {
        let (tracking, routing) = (tracking.trim(), routing.trim());
        if tracking.len() != 20 {
            return Err(ImbError::Length { field: "tracking code", expected: "20 digits", len: tracking.chars().count() });
        }
        digits("tracking code", tracking)?;
        if tracking.as_bytes()[1] > b'4' {
            return Err(ImbError::BarcodeId(tracking[..2].to_string()));
        }
        if ![0, 5, 9, 11].contains(&routing.chars().count()) {
            return Err(ImbError::Length { field: "routing code", expected: "0, 5, 9 or 11 digits", len: routing.chars().count() });
        }
        let mid = if tracking.as_bytes()[5] == b'9' { 9 } else { 6 };
        let imb = Imb {
            barcode_id: tracking[..2].to_string(),
            service_type: tracking[2..5].to_string(),
            mailer_id: tracking[5..5 + mid].to_string(),
            serial: tracking[5 + mid..].to_string(),
            routing: routing.to_string(),
        };
        imb.validate()?;
        Ok(imb)
    }

    /// The 20-digit tracking code.
    pub fn tracking(&self) -> String {
        format!("{}{}{}{}", self.barcode_id, self.service_type, self.mailer_id, self.serial)
    }

    /// The 65 bars, left to right: `A` ascender, `D` descender, `F` full,
    /// `T` tracker.
    pub fn bars(&self) -> Result<Bars, ImbError> {
        self.validate()?;
        Ok(encode(&self.tracking(), &self.routing))
    }
}

impl ImbError {
    /// The error code USPS's encoder test cases give for this error (09
    /// tracking length, 10 tracking digits, 11 barcode ID, 12 routing
    /// length, 13 routing digits; 00 is success).
    pub fn usps_code(&self) -> &'static str {
        match self {
            ImbError::Length { field: "routing code", .. } => "12",
            ImbError::NotDigits { field: "routing code", .. } => "13",
            ImbError::Length { .. } | ImbError::Serial { .. } => "09",
            ImbError::NotDigits { .. } => "10",
            ImbError::BarcodeId(_) => "11",
        }
    }
}

/// One bar of the barcode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bar {
    /// Tracker only (the short middle part).
    Tracker,
    /// Tracker and ascender.
    Ascender,
    /// Tracker and descender.
    Descender,
    /// All three parts.
    Full,
}

impl Bar {
    /// The specification's letter for the bar.
    pub fn letter(self) -> char {
        match self {
            Bar::Tracker => 'T',
            Bar::Ascender => 'A',
            Bar::Descender => 'D',
            Bar::Full => 'F',
        }
    }
}

/// The 65 bars of a barcode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bars(pub [Bar; 65]);

impl fmt::Display for Bars {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{}", b.letter()))
    }
}

fn num(s: &str) -> u128 {
    s.bytes().fold(0u128, |acc, b| acc * 10 + u128::from(b - b'0'))
}

/// Encodes already checked fields: 20 tracking digits, 0/5/9/11 routing digits.
fn encode(tracking: &str, routing: &str) -> Bars {
    // Step 1: the routing code, offset by its length, then the tracking digits.
    let mut value = match routing.len() {
        0 => 0,
        5 => num(routing) + 1,
        9 => num(routing) + 100_000 + 1,
        _ => num(routing) + 1_000_000_000 + 100_000 + 1,
    };
    let t = tracking.as_bytes();
    value = value * 10 + u128::from(t[0] - b'0');
    value = value * 5 + u128::from(t[1] - b'0');
    for &d in &t[2..] {
        value = value * 10 + u128::from(d - b'0');
    }

    // Step 2: CRC-11 over the 102 bits, as 13 bytes (the first holds 6 bits).
    let bytes = value.to_be_bytes();
    let fcs = crc11(&bytes[3..16]);

    // Step 3: ten codewords.
    let mut cw = [0u32; 10];
    cw[9] = (value % 636) as u32;
    value /= 636;
    for i in (1..9).rev() {
        cw[i] = (value % 1365) as u32;
        value /= 1365;
    }
    cw[0] = value as u32;
    cw[9] *= 2;
    if fcs & 0x400 != 0 {
        cw[0] += 659;
    }

    // Step 4: characters.
    let (five, two) = tables();
    let mut chars = [0u16; 10];
    for (i, &c) in cw.iter().enumerate() {
        let ch = if c < 1287 { five[c as usize] } else { two[(c - 1287) as usize] };
        chars[i] = if fcs & (1 << i) != 0 { !ch & 0x1FFF } else { ch };
    }

    // Step 5: bars.
    let mut bars = [Bar::Tracker; 65];
    for (i, bar) in bars.iter_mut().enumerate() {
        let (dc, db, ac, ab) = BAR_MAP[i];
        let desc = chars[dc] >> db & 1 == 1;
        let asc = chars[ac] >> ab & 1 == 1;
        *bar = match (desc, asc) {
            (true, true) => Bar::Full,
            (true, false) => Bar::Descender,
            (false, true) => Bar::Ascender,
            (false, false) => Bar::Tracker,
        };
    }
    Bars(bars)
}

/// USPS-B-3200's CRC-11: generator 0xF35, initial 0x7FF, most significant
/// bit first, skipping the first byte's two unused high bits.
fn crc11(bytes: &[u8]) -> u16 {
    const POLY: u16 = 0x0F35;
    let mut fcs: u16 = 0x07FF;
    let step = |fcs: &mut u16, mut data: u16, bits: usize| {
        for _ in 0..bits {
            *fcs = if (*fcs ^ data) & 0x400 != 0 { (*fcs << 1) ^ POLY } else { *fcs << 1 } & 0x7FF;
            data <<= 1;
        }
    };
    step(&mut fcs, u16::from(bytes[0]) << 5, 6);
    for &b in &bytes[1..] {
        step(&mut fcs, u16::from(b) << 3, 8);
    }
    fcs
}

/// The n-of-13 character table: every 13-bit value with `n` bits set, a
/// value and its bit reverse side by side from the front, palindromes from
/// the back.
fn n_of_13(n: u32, len: usize) -> Vec<u16> {
    let mut table = vec![0u16; len];
    let (mut lower, mut upper) = (0usize, len - 1);
    for count in 0u16..8192 {
        if count.count_ones() != n {
            continue;
        }
        let reverse = count.reverse_bits() >> 3;
        if reverse < count {
            continue;
        }
        if reverse == count {
            table[upper] = count;
            upper = upper.saturating_sub(1);
        } else {
            table[lower] = count;
            table[lower + 1] = reverse;
            lower += 2;
        }
    }
    table
}

fn tables() -> &'static (Vec<u16>, Vec<u16>) {
    static TABLES: std::sync::OnceLock<(Vec<u16>, Vec<u16>)> = std::sync::OnceLock::new();
    TABLES.get_or_init(|| (n_of_13(5, 1287), n_of_13(2, 78)))
}

/// USPS-B-3200's bar-to-character table, bar 1 to 65: descender character
/// and bit, ascender character and bit (characters A–J).
const BAR_TABLE: &str = "H2-E3 B10-A0 J12-C8 F5-G11 I9-D1 A1-F12 C5-B8 E4-J11 G3-I10 D9-H6 F11-B4 I5-C12 J10-A2 H1-G7 D6-E9 \
A3-I6 G4-C7 B1-J9 H10-F2 E0-D8 G2-A4 I11-B0 J8-D12 C6-H7 F1-E10 B12-G9 H3-I0 F8-J7 E6-C10 D4-A5 I4-F7 H11-B9 G0-J6 A6-E8 C1-D2 \
F9-I12 E11-G1 J5-H4 D3-B2 A7-C0 B3-E1 G10-D5 I7-J4 C11-F6 A8-H12 E2-I1 F10-D0 J3-A9 G5-C4 H8-B7 F0-E5 C3-A10 G12-J2 D11-B6 I8-H9 \
F4-A11 B5-C2 J1-E12 I3-G6 H0-D7 E7-H5 A12-B11 C9-J0 G8-F3 D10-I2";

/// [`BAR_TABLE`] as indexes: (descender char, bit, ascender char, bit).
static BAR_MAP: std::sync::LazyLock<Vec<(usize, u16, usize, u16)>> = std::sync::LazyLock::new(|| {
    let cell = |s: &str| -> (usize, u16) {
        let (c, b) = s.split_at(1);
        (usize::from(c.as_bytes()[0] - b'A'), b.parse().unwrap_or_else(|_| unreachable!("bit in BAR_TABLE")))
    };
    BAR_TABLE
        .split_whitespace()
        .map(|pair| {
            let (d, a) = pair.split_once('-').unwrap_or_else(|| unreachable!("pair in BAR_TABLE"));
            let (dc, db) = cell(d);
            let (ac, ab) = cell(a);
            (dc, db, ac, ab)
        })
        .collect()
});

/// Physical bar sizes, in points, at the nominal values of USPS-B-3200
/// (bar width 0.020 in, 22 bars per inch, full bar 0.145 in, tracker
/// 0.048 in).
pub mod size {
    /// Bar width: 0.020 in.
    pub const BAR_WIDTH: f64 = 0.020 * 72.0;
    /// Bar pitch (left edge to left edge): 1/22 in.
    pub const PITCH: f64 = 72.0 / 22.0;
    /// Full bar height: 0.145 in.
    pub const FULL: f64 = 0.145 * 72.0;
    /// Tracker height: 0.048 in.
    pub const TRACKER: f64 = 0.048 * 72.0;
    /// Overall length of the 65 bars.
    pub const LENGTH: f64 = PITCH * 64.0 + BAR_WIDTH;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn imb(tracking: &str, routing: &str) -> Imb {
        Imb {
            barcode_id: tracking[0..2].into(),
            service_type: tracking[2..5].into(),
            mailer_id: tracking[5..11].into(),
            serial: tracking[11..].into(),
            routing: routing.into(),
        }
    }

    #[test]
    fn specification_examples() {
        // USPS-B-3200, the worked example with each routing length.
        let t = "01234567094987654321";
        assert_eq!(imb(t, "").bars().unwrap().to_string(), "ATTFATTDTTADTAATTDTDTATTDAFDDFADFDFTFFFFFTATFAAAATDFFTDAADFTFDTDT");
        assert_eq!(imb(t, "01234").bars().unwrap().to_string(), "DTTAFADDTTFTDTFTFDTDDADADAFADFATDDFTAAAFDTTADFAAATDFDTDFADDDTDFFT");
        assert_eq!(imb(t, "012345678").bars().unwrap().to_string(), "ADFTTAFDTTTTFATTADTAAATFTFTATDAAAFDDADATATDTDTTDFDTDATADADTDFFTFA");
        assert_eq!(imb(t, "01234567891").bars().unwrap().to_string(), "AADTFFDFTDADTAADAATFDTDDAAADDTDTTDAFADADDDTFFFDDTTTADFAAADFTDAADA");
    }

    /// USPS's own encoder test cases: 1,000 of them, successes and errors.
    #[test]
    fn usps_encoder_test_cases() {
        let text = include_str!("../tests/fixtures/imb/usps-encoder-cases.csv");
        let (mut ok, mut errors) = (0, 0);
        for line in text.lines() {
            let f: Vec<&str> = line.splitn(6, ',').collect();
            let (case, tracking, routing, expected, code) = (f[0], f[1], f[2], f[3], f[4]);
            match Imb::from_tracking(tracking, routing).and_then(|x| x.bars()) {
                Ok(bars) => {
                    assert_eq!(code, "00", "case {case}: USPS expects error {code}, got bars");
                    assert_eq!(bars.to_string(), expected, "case {case}");
                    ok += 1;
                }
                Err(e) => {
                    assert_eq!(e.usps_code(), code, "case {case}: {e}");
                    errors += 1;
                }
            }
        }
        assert_eq!((ok, errors), (766, 234));
    }

    /// An independent encoder's output (reportlab's usps4s).
    #[test]
    fn reportlab_cases() {
        let text = include_str!("../tests/fixtures/imb/reportlab-cases.csv");
        let mut n = 0;
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            let x = Imb {
                barcode_id: f[0].into(),
                service_type: f[1].into(),
                mailer_id: f[2].into(),
                serial: f[3].into(),
                routing: f[4].into(),
            };
            assert_eq!(x.bars().unwrap().to_string(), f[5], "{line}");
            n += 1;
        }
        assert_eq!(n, 300);
    }

    #[test]
    fn tables_have_their_sizes() {
        let (five, two) = tables();
        assert_eq!(five.iter().filter(|c| c.count_ones() == 5).count(), 1287);
        assert_eq!(two.iter().filter(|c| c.count_ones() == 2).count(), 78);
        assert_eq!(BAR_MAP.len(), 65);
        // Every character bit is used exactly once by the bars.
        let mut used = std::collections::BTreeSet::new();
        for &(dc, db, ac, ab) in BAR_MAP.iter() {
            assert!(used.insert((dc, db)) && used.insert((ac, ab)));
        }
        assert_eq!(used.len(), 130);
    }

    #[test]
    fn field_errors_name_the_field() {
        let mut x = imb("01234567094987654321", "98501");
        x.barcode_id = "05".into();
        assert_eq!(x.bars().unwrap_err().to_string(), "the barcode ID's second digit must be 0-4, got \"05\"");
        let mut x = imb("01234567094987654321", "9850");
        assert_eq!(x.bars().unwrap_err().to_string(), "routing code must be 0, 5, 9 or 11 digits, got 4 digits");
        x.routing = "98501-1234".into();
        assert_eq!(x.bars().unwrap_err().to_string(), "routing code must be digits only, got \"98501-1234\"");
        let x = Imb { mailer_id: "912345678".into(), ..imb("01234567094987654321", "") };
        assert_eq!(x.bars().unwrap_err().to_string(), "a 9-digit mailer ID needs a 6-digit serial number, got 9 digits");
        let x = Imb { mailer_id: "912345".into(), ..imb("01234567094987654321", "") };
        assert_eq!(x.bars().unwrap_err().to_string(), "mailer ID must be 6 digits starting 0-8, or 9 digits starting 9, got 6 digits");
    }

    #[test]
    fn bar_sizes_are_within_the_specification() {
        assert!((0.015 * 72.0..=0.025 * 72.0).contains(&size::BAR_WIDTH));
        assert!((0.125 * 72.0..=0.165 * 72.0).contains(&size::FULL));
        assert!((0.039 * 72.0..=0.057 * 72.0).contains(&size::TRACKER));
        // Overall length 2.667–3.225 in.
        assert!((2.667 * 72.0..=3.225 * 72.0).contains(&size::LENGTH));
    }
}
