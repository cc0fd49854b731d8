//! RFC 3339 times as Helm and the audit log write them.

use std::time::{Duration, SystemTime};

/// An RFC 3339 time with `Z` or any `±hh:mm` offset (Go writes local
/// offsets), fractional seconds allowed. The one parser of such times.
pub fn parse_rfc3339(s: &str) -> Option<SystemTime> {
    let s = s.trim();
    let b = s.as_bytes();
    let n = b.len();
    // humantime reads only Z and +00:00; other offsets are applied here.
    if n >= 25 && matches!(b[n - 6], b'+' | b'-') && b[n - 3] == b':' && !s.ends_with("+00:00") {
        let (base, off) = s.split_at(n - 6);
        let number = |r: std::ops::Range<usize>| off.get(r).and_then(|t| t.parse::<u64>().ok());
        let (hours, minutes) = number(1..3).zip(number(4..6))?;
        if hours > 23 || minutes > 59 {
            return None;
        }
        let local = humantime::parse_rfc3339_weak(base).ok()?;
        let shift = Duration::from_secs(hours * 3600 + minutes * 60);
        // 12:00+02:00 is 10:00Z: a positive offset is subtracted.
        return match off.starts_with('+') {
            true => local.checked_sub(shift),
            false => local.checked_add(shift),
        };
    }
    humantime::parse_rfc3339_weak(s).ok()
}

/// Milliseconds from `a` to `b`, when both parse and `b` is not earlier.
pub fn millis_between(a: &str, b: &str) -> Option<u64> {
    let d = parse_rfc3339(b)?.duration_since(parse_rfc3339(a)?).ok()?;
    Some(d.as_millis() as u64)
}

#[derive(Debug, thiserror::Error)]
#[error("invalid duration {0:?}: use Go's form, e.g. 300s, 5m, 1h30m")]
pub struct BadDuration(pub String);

/// Go's `time.ParseDuration`, as Helm reads `--timeout`: a sequence of
/// decimal numbers with units ns, us, µs, ms, s, m, h; a bare `0` is allowed.
pub fn parse_go_duration(text: &str) -> Result<Duration, BadDuration> {
    let bad = || BadDuration(text.to_string());
    let s = text.trim().strip_prefix('+').unwrap_or(text.trim());
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    if s.is_empty() || s.starts_with('-') {
        return Err(bad());
    }
    let mut total = 0f64;
    let mut rest = s;
    while !rest.is_empty() {
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(bad)?;
        let number: f64 = rest[..num_end].parse().map_err(|_| bad())?;
        rest = &rest[num_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_end] {
            "ns" => 1e-9,
            "us" | "µs" | "μs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(bad()),
        };
        total += number * scale;
        rest = &rest[unit_end..];
    }
    // Go keeps durations in int64 nanoseconds: past ~292 years it refuses.
    if total * 1e9 > i64::MAX as f64 {
        return Err(bad());
    }
    Duration::try_from_secs_f64(total).map_err(|_| bad())
}

/// Go's `Duration.String()` for whole seconds and above (`5m0s`, `1h0m0s`).
pub fn go_duration_text(d: Duration) -> String {
    let secs = d.as_secs();
    if d.subsec_nanos() != 0 || secs == 0 {
        return format!("{}s", d.as_secs_f64());
    }
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    match (h, m) {
        (0, 0) => format!("{s}s"),
        (0, _) => format!("{m}m{s}s"),
        _ => format!("{h}h{m}m{s}s"),
    }
}

/// A Go duration as the user typed it (Helm reads the text again) and its
/// value. Checked when the arguments are parsed, before anything runs.
#[derive(Debug, Clone, PartialEq)]
pub struct GoDuration {
    pub text: String,
    pub value: Duration,
}

impl GoDuration {
    pub fn parse(text: &str) -> Result<Self, BadDuration> {
        Ok(Self {
            value: parse_go_duration(text)?,
            text: text.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_applied_both_ways() {
        let z = parse_rfc3339("2026-01-31T10:00:00Z").unwrap();
        assert_eq!(parse_rfc3339("2026-01-31T12:00:00+02:00"), Some(z));
        assert_eq!(parse_rfc3339("2026-01-31T07:30:00-02:30"), Some(z));
        assert_eq!(parse_rfc3339("2026-01-31T10:00:00+00:00"), Some(z));
        assert_eq!(
            millis_between("2026-01-31T10:00:00Z", "2026-01-31T12:00:01.250+02:00"),
            Some(1250)
        );
        assert_eq!(parse_rfc3339("2026-01-31T10:00:00+25:00"), None);
        assert_eq!(parse_rfc3339("yesterday"), None);
    }

    #[test]
    fn go_durations_refuse_what_go_refuses() {
        assert_eq!(
            parse_go_duration("1h30m").unwrap(),
            Duration::from_secs(5400)
        );
        assert!(parse_go_duration("9999999999999999999999h").is_err());
        assert!(
            parse_go_duration("2562048h").is_err(),
            "over int64 nanoseconds"
        );
        assert!(parse_go_duration("2562047h").is_ok());
        assert_eq!(
            GoDuration::parse("5m0s").unwrap().value,
            Duration::from_secs(300)
        );
    }
}
