//! The dashboard's two languages: Swedish first, English second. Texts are written as
//! Swedish/English pairs where they are used ([`tr`]), so a page reads in both languages at once
//! and a missing translation cannot happen; numbers, dates and the model's enums are formatted
//! here so "3,5" and "3.5" never mix on one page.

use chrono::{DateTime, NaiveDate, Utc};
use uppsok_model::fidelity::{Lang, swedish_date};
use uppsok_model::mileage::korjournal::source_sv;
use uppsok_model::{ContactKind, DistanceSource, Entity, Phase, Setting};

use crate::store::{AuditAction, Via};

/// The text for `lang`.
pub fn tr(lang: Lang, sv: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Sv => sv,
        Lang::En => en,
    }
}

/// `lang=sv|en` as given in a query or cookie.
pub fn parse_lang(s: &str) -> Option<Lang> {
    match s.trim() {
        "sv" => Some(Lang::Sv),
        "en" => Some(Lang::En),
        _ => None,
    }
}

/// A number with `decimals` decimals, with a decimal comma in Swedish.
pub fn num(lang: Lang, v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    match lang {
        Lang::Sv => s.replace('.', ",").replace('-', "−"),
        Lang::En => s,
    }
}

/// Öre as kronor with two decimals ("1 234,50 kr" / "SEK 1,234.50").
pub fn money(lang: Lang, ore: i64) -> String {
    let neg = ore < 0;
    let ore = ore.unsigned_abs();
    let (kr, rest) = (ore / 100, ore % 100);
    let digits = kr.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(match lang {
                Lang::Sv => '\u{a0}',
                Lang::En => ',',
            });
        }
        grouped.push(c);
    }
    let sign = if neg { "−" } else { "" };
    match lang {
        Lang::Sv => format!("{sign}{grouped},{rest:02}\u{a0}kr"),
        Lang::En => format!("{sign}SEK\u{a0}{grouped}.{rest:02}"),
    }
}

/// A share 0–1 as a percentage.
pub fn percent(lang: Lang, share: f64) -> String {
    format!("{}\u{a0}%", num(lang, share * 100.0, 0))
}

pub fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Date and Swedish local time (hours:minutes) of an instant.
pub fn date_time(t: DateTime<Utc>) -> String {
    let local = swedish_local(t);
    format!("{} {}", date(local.date_naive()), local.format("%H:%M"))
}

/// Date and Swedish local time to the second (the access-log extract, where the order of
/// entries within a minute matters).
pub fn date_time_s(t: DateTime<Utc>) -> String {
    let local = swedish_local(t);
    format!("{} {}", date(local.date_naive()), local.format("%H:%M:%S"))
}

/// The wall-clock time in Sweden (Europe/Stockholm) as a naive value.
fn swedish_local(t: DateTime<Utc>) -> DateTime<Utc> {
    t + chrono::Duration::hours(if is_summer(t) { 2 } else { 1 })
}

/// Swedish summer time (EU rule, as the model's `swedish_date`): UTC+2 from 01:00 UTC on the
/// last Sunday of March to 01:00 UTC on the last Sunday of October.
fn is_summer(t: DateTime<Utc>) -> bool {
    use chrono::Datelike;
    let switch = |month: u32| -> Option<DateTime<Utc>> {
        let last = NaiveDate::from_ymd_opt(t.year(), month + 1, 1)?.pred_opt()?;
        let sunday =
            last - chrono::Duration::days(i64::from(last.weekday().num_days_from_sunday()));
        Some(sunday.and_hms_opt(1, 0, 0)?.and_utc())
    };
    match t.month() {
        4..=9 => true,
        3 => switch(3).is_some_and(|s| t >= s),
        10 => switch(10).is_some_and(|e| t < e),
        _ => false,
    }
}

/// The Swedish date of an instant (re-exported for the pages).
pub fn day(t: DateTime<Utc>) -> NaiveDate {
    swedish_date(t)
}

pub fn phase(lang: Lang, p: Phase) -> &'static str {
    match p {
        Phase::Intake => tr(lang, "Inskrivning", "Intake"),
        Phase::Active => tr(lang, "Aktiv", "Active"),
        Phase::Stable => tr(lang, "Stabil", "Stable"),
        Phase::Closed => tr(lang, "Avslutad", "Closed"),
    }
}

pub fn contact(lang: Lang, c: ContactKind) -> &'static str {
    match c {
        ContactKind::FaceToFace => tr(lang, "Fysiskt möte", "Face to face"),
        ContactKind::Phone => tr(lang, "Telefon", "Phone"),
        ContactKind::Video => tr(lang, "Video", "Video"),
        ContactKind::Message => tr(lang, "Meddelande", "Message"),
        ContactKind::Attempted => tr(lang, "Försök, ej nådd", "Attempt, not reached"),
    }
}

pub fn setting(lang: Lang, s: Setting) -> &'static str {
    match s {
        Setting::Home => tr(lang, "hemma", "at home"),
        Setting::Community => tr(lang, "ute i samhället", "in the community"),
        Setting::Office => tr(lang, "på kontoret", "at the office"),
        Setting::Inpatient => tr(lang, "på vårdavdelning", "on a ward"),
    }
}

/// Where a trip's km came from (Swedish: the körjournal's own words).
pub fn distance_source(lang: Lang, s: DistanceSource) -> &'static str {
    match lang {
        Lang::Sv => source_sv(s),
        Lang::En => match s {
            DistanceSource::Gps => "GPS",
            DistanceSource::Odometer => "odometer",
            DistanceSource::Manual => "entered by hand",
            DistanceSource::Suggested => "suggested",
        },
    }
}

/// How the access log's entry came in. The stored names (`dashboard`, `sync`, `api`) stay as
/// they are; this is only what a person reads, in the page and the extract alike.
pub fn via(lang: Lang, v: Via) -> &'static str {
    match v {
        Via::Api => tr(lang, "Programgränssnitt", "Programming interface"),
        Via::Sync => tr(lang, "Telefonens synkning", "Phone sync"),
        Via::Dashboard => tr(lang, "Webbpanelen", "Dashboard"),
        Via::Phone => tr(lang, "Via telefon", "Via phone"),
    }
}

/// What an access-log entry did with the data (stored names `read`, `list`, … unchanged).
pub fn audit_action(lang: Lang, a: AuditAction) -> &'static str {
    match a {
        AuditAction::Read => tr(lang, "Öppnade uppgifter", "Opened a record"),
        AuditAction::List => tr(lang, "Visade en lista", "Viewed a list"),
        AuditAction::Create => tr(lang, "Registrerade", "Created"),
        AuditAction::Update => tr(lang, "Ändrade", "Changed"),
        AuditAction::Delete => tr(lang, "Tog bort", "Deleted"),
        AuditAction::Export => tr(lang, "Tog ut en fil", "Exported a file"),
        AuditAction::ExportPayrollCopy => tr(
            lang,
            "Tog ut körjournal för lönen (utan klientkoder)",
            "Exported the payroll copy of a driving log (no client codes)",
        ),
        AuditAction::ExportTeamCopy => tr(
            lang,
            "Tog ut teamets körjournal (med klientkoder)",
            "Exported the team's copy of a driving log (with client codes)",
        ),
        AuditAction::Approve => tr(lang, "Attesterade resor", "Approved trips"),
        AuditAction::Fidelity => tr(lang, "Beräknade ACT-trohet", "Computed ACT fidelity"),
        AuditAction::Cost => tr(
            lang,
            "Beräknade teamets kostnad",
            "Computed the team's cost",
        ),
        AuditAction::Provision => tr(
            lang,
            "Kontot skapades vid första inloggningen",
            "Account created at its first login",
        ),
        AuditAction::EnrolCode => tr(
            lang,
            "Hämtade en registreringskod till telefonen",
            "Fetched a phone's enrolment code",
        ),
    }
}

/// The kind of record an access-log entry is about; the store keeps `Entity::as_str`.
pub fn entity(lang: Lang, stored: &str) -> &'static str {
    match Entity::ALL.into_iter().find(|e| e.as_str() == stored) {
        Some(Entity::Client) => tr(lang, "Klient", "Client"),
        Some(Entity::Visit) => tr(lang, "Kontakt", "Contact"),
        Some(Entity::Trip) => tr(lang, "Resa", "Trip"),
        Some(Entity::Place) => tr(lang, "Plats", "Place"),
        Some(Entity::Outcome) => tr(lang, "Utfall", "Outcome"),
        None => tr(lang, "Annan", "Other"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn numbers_and_money() {
        assert_eq!(num(Lang::Sv, 3.456, 1), "3,5");
        assert_eq!(num(Lang::En, 3.456, 1), "3.5");
        assert_eq!(money(Lang::Sv, 123_450), "1\u{a0}234,50\u{a0}kr");
        assert_eq!(money(Lang::En, 123_450), "SEK\u{a0}1,234.50");
        assert_eq!(percent(Lang::Sv, 0.8), "80\u{a0}%");
    }

    #[test]
    fn local_times() {
        let winter = Utc.with_ymd_and_hms(2026, 1, 15, 23, 30, 0).unwrap();
        assert_eq!(date_time(winter), "2026-01-16 00:30");
        let summer = Utc.with_ymd_and_hms(2026, 7, 15, 8, 0, 0).unwrap();
        assert_eq!(date_time(summer), "2026-07-15 10:00");
        assert_eq!(date_time_s(summer), "2026-07-15 10:00:00");
    }

    #[test]
    fn access_log_codes_have_swedish_labels() {
        for v in [Via::Api, Via::Sync, Via::Dashboard, Via::Phone] {
            assert_ne!(via(Lang::Sv, v), v.as_str());
        }
        for a in [
            AuditAction::Read,
            AuditAction::List,
            AuditAction::Create,
            AuditAction::Update,
            AuditAction::Delete,
            AuditAction::Export,
            AuditAction::ExportPayrollCopy,
            AuditAction::ExportTeamCopy,
            AuditAction::Approve,
            AuditAction::Fidelity,
            AuditAction::Cost,
            AuditAction::Provision,
            AuditAction::EnrolCode,
        ] {
            let sv = audit_action(Lang::Sv, a);
            assert!(
                !sv.to_lowercase().split(' ').any(|w| w == a.as_str()),
                "{sv}"
            );
        }
        assert_eq!(entity(Lang::Sv, "visit"), "Kontakt");
        assert_eq!(entity(Lang::Sv, "something-new"), "Annan");
    }
}
