//! Instants: RFC 3339 text to milliseconds since the Unix epoch and back, in the proleptic
//! Gregorian calendar (civil-date arithmetic after Howard Hinnant's `days_from_civil`).
//!
//! # Accepted text
//! `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, optionally followed by `T` (or `t`) and `HH:MM`, `HH:MM:SS`
//! or `HH:MM:SS.f` with 1 to 9 fraction digits (truncated to milliseconds), then an offset `Z`,
//! `z`, `+HH:MM` or `-HH:MM` (no offset means UTC). Seconds may be `60` (a leap second, read as
//! the first second of the next minute). Years outside 0000–9999 are written with a sign and at
//! least four digits (`+10000`, `-0001`); the printer writes them with at least six.
//!
//! Every `i64` of milliseconds prints, and what prints reads back:
//! ```
//! use dfdb_core::edn::inst;
//! assert_eq!(inst::format(0), "1970-01-01T00:00:00.000Z");
//! assert_eq!(inst::parse("1969-12-31T23:59:59.999Z").unwrap(), -1);
//! assert_eq!(inst::parse("2024-01-15T10:00:00+01:00").unwrap(), 1_705_309_200_000);
//! assert_eq!(inst::format(i64::MAX), "+292278994-08-17T07:12:55.807Z");
//! assert_eq!(inst::parse(&inst::format(i64::MIN)).unwrap(), i64::MIN);
//! ```

use alloc::format;
use alloc::string::String;
use core::fmt::{self, Write};

use super::snippet;
use crate::{Error, Result};

const MS_PER_DAY: i64 = 86_400_000;

/// Days since 1970-01-01 of a proleptic Gregorian date (`m` in 1..=12, `d` in 1..=31).
/// Exact for |y| up to about 10^13.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date (year, month, day) of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    // mp is in 0..12 and d in 1..=31, so both fit.
    (
        y,
        u32::try_from(m).unwrap_or(1),
        u32::try_from(d).unwrap_or(1),
    )
}

fn is_leap(y: i64) -> bool {
    y.rem_euclid(4) == 0 && (y.rem_euclid(100) != 0 || y.rem_euclid(400) == 0)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Writes `ms` as `YYYY-MM-DDTHH:MM:SS.mmmZ` (a signed year of six or more digits outside
/// 0000–9999).
pub fn write(ms: i64, w: &mut impl Write) -> fmt::Result {
    let days = ms.div_euclid(MS_PER_DAY);
    let in_day = ms.rem_euclid(MS_PER_DAY);
    let (y, m, d) = civil_from_days(days);
    if (0..=9999).contains(&y) {
        write!(w, "{y:04}")?;
    } else {
        write!(
            w,
            "{}{:06}",
            if y < 0 { '-' } else { '+' },
            y.unsigned_abs()
        )?;
    }
    let (h, rest) = (in_day / 3_600_000, in_day % 3_600_000);
    let (min, rest) = (rest / 60_000, rest % 60_000);
    let (s, milli) = (rest / 1000, rest % 1000);
    write!(w, "-{m:02}-{d:02}T{h:02}:{min:02}:{s:02}.{milli:03}Z")
}

/// `ms` as RFC 3339 text, as [`write()`] writes it.
pub fn format(ms: i64) -> String {
    let mut s = String::new();
    // Writing to a String cannot fail.
    let _ = write(ms, &mut s);
    s
}

/// A cursor over the bytes of an instant's text.
struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        let hit = self.peek() == Some(c);
        self.i += usize::from(hit);
        hit
    }

    /// Up to `max` digits (at least `min`) as a number, and how many there were.
    fn digits(&mut self, min: usize, max: usize) -> Option<(i64, usize)> {
        let mut n: i64 = 0;
        let mut count = 0;
        while count < max {
            match self.peek() {
                Some(c) if c.is_ascii_digit() => {
                    n = n * 10 + i64::from(c - b'0');
                    count += 1;
                    self.i += 1;
                }
                _ => break,
            }
        }
        (count >= min).then_some((n, count))
    }

    fn two(&mut self) -> Option<u32> {
        self.digits(2, 2).and_then(|(n, _)| u32::try_from(n).ok())
    }
}

/// Milliseconds since the epoch of an RFC 3339 instant (see the module docs for the forms).
///
/// Errors are [`Error::Parse`] without a position, naming the text.
pub fn parse(text: &str) -> Result<i64> {
    parse_parts(text)
        .ok_or_else(|| Error::parse(format!("invalid #inst `\"{}\"`", snippet(text))))?
}

/// `None` for malformed text; `Some(Err)` for a well-formed text out of range.
fn parse_parts(text: &str) -> Option<Result<i64>> {
    let mut c = Cursor {
        b: text.as_bytes(),
        i: 0,
    };
    let year = match c.peek() {
        Some(sign @ (b'+' | b'-')) => {
            c.i += 1;
            // At most 12 digits keep the day arithmetic exact; i64 ms end near year 292 million.
            let (y, _) = c.digits(4, 12)?;
            if sign == b'-' {
                -y
            } else {
                y
            }
        }
        _ => c.digits(4, 4)?.0,
    };
    let (mut month, mut day) = (1, 1);
    let (mut hour, mut minute, mut second, mut milli) = (0i64, 0i64, 0i64, 0i64);
    let mut offset_min = 0i64;
    if c.eat(b'-') {
        month = c.two()?;
        if c.eat(b'-') {
            day = c.two()?;
            if c.eat(b'T') || c.eat(b't') {
                hour = i64::from(c.two()?);
                if !c.eat(b':') {
                    return None;
                }
                minute = i64::from(c.two()?);
                if c.eat(b':') {
                    second = i64::from(c.two()?);
                    if c.eat(b'.') {
                        let (frac, n) = c.digits(1, 9)?;
                        let scale = 10i64.pow(u32::try_from(n).ok()?);
                        milli = frac * 1000 / scale;
                    }
                }
                match c.peek() {
                    Some(b'Z' | b'z') => c.i += 1,
                    Some(sign @ (b'+' | b'-')) => {
                        c.i += 1;
                        let oh = i64::from(c.two()?);
                        if !c.eat(b':') {
                            return None;
                        }
                        let om = i64::from(c.two()?);
                        if oh > 23 || om > 59 {
                            return None;
                        }
                        offset_min = if sign == b'-' {
                            -(oh * 60 + om)
                        } else {
                            oh * 60 + om
                        };
                    }
                    _ => {}
                }
            }
        }
    }
    if c.i != c.b.len()
        || !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let days = i128::from(days_from_civil(year, month, day));
    let ms = days * i128::from(MS_PER_DAY)
        + i128::from(((hour * 60 + minute - offset_min) * 60 + second) * 1000 + milli);
    Some(i64::try_from(ms).map_err(|_| {
        Error::parse(format!(
            "#inst `\"{}\"` is outside the range of 64-bit milliseconds",
            snippet(text)
        ))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip_over_many_days() {
        for days in (-800_000..800_000).step_by(7) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
            assert!(d <= days_in_month(y, m));
        }
    }

    #[test]
    fn known_instants() {
        assert_eq!(parse("1970-01-01T00:00:00Z").unwrap(), 0);
        assert_eq!(parse("1970-01-01").unwrap(), 0);
        assert_eq!(parse("1970").unwrap(), 0);
        assert_eq!(parse("1970-02").unwrap(), 31 * MS_PER_DAY);
        assert_eq!(parse("2024-01-15").unwrap(), 1_705_276_800_000);
        assert_eq!(
            parse("2024-01-15T00:00:00.123456789Z").unwrap(),
            1_705_276_800_123
        );
        assert_eq!(parse("2024-01-15T00:00:00.1Z").unwrap(), 1_705_276_800_100);
        assert_eq!(
            parse("2024-01-15t01:00:00+01:00").unwrap(),
            1_705_276_800_000
        );
        assert_eq!(parse("2024-01-14T23:30-00:30").unwrap(), 1_705_276_800_000);
        assert_eq!(parse("2024-01-15T00:00:00").unwrap(), 1_705_276_800_000);
        assert_eq!(parse("1969-12-31T23:59:59.999Z").unwrap(), -1);
        assert_eq!(
            parse("2016-12-31T23:59:60Z").unwrap(),
            parse("2017-01-01").unwrap()
        );
        assert_eq!(parse("2000-02-29").unwrap(), 951_782_400_000);
        assert_eq!(parse("0000-01-01").unwrap(), -62_167_219_200_000);
        assert_eq!(
            parse("-0001-12-31").unwrap(),
            -62_167_219_200_000 - MS_PER_DAY
        );
        assert_eq!(parse("+10000-01-01").unwrap(), 253_402_300_800_000);
    }

    #[test]
    fn formats() {
        assert_eq!(format(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(format(1_705_276_800_123), "2024-01-15T00:00:00.123Z");
        assert_eq!(format(253_402_300_800_000), "+010000-01-01T00:00:00.000Z");
        assert_eq!(
            format(-62_167_219_200_000 - 1),
            "-000001-12-31T23:59:59.999Z"
        );
        assert_eq!(format(i64::MAX), "+292278994-08-17T07:12:55.807Z");
        assert_eq!(format(i64::MIN), "-292275055-05-16T16:47:04.192Z");
        for ms in [
            i64::MIN,
            i64::MIN + 1,
            -1,
            0,
            1,
            i64::MAX - 1,
            i64::MAX,
            253_402_300_799_999,
        ] {
            assert_eq!(parse(&format(ms)).unwrap(), ms, "{ms}");
        }
    }

    #[test]
    fn rejects() {
        for bad in [
            "",
            "2024-1-15",
            "2024-13-01",
            "2023-02-29",
            "2024-01-32",
            "2024-01-15T24:00:00Z",
            "2024-01-15T10:60Z",
            "2024-01-15T10Z",
            "2024-01-15T10:00:61Z",
            "2024-01-15T10:00:00.Z",
            "2024-01-15T10:00:00.1234567890Z",
            "2024-01-15T10:00:00+0100",
            "2024-01-15T10:00:00+24:00",
            "2024-01-15 10:00:00Z",
            "2024-01-15T10:00:00ZZ",
            "20240115",
            "+999999999999-01-01",
            "+292278994-08-17T07:12:55.808Z",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
