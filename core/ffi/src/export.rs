//! A client's contacts for a period as plain text, for the case manager to paste into the
//! organisation's journal system ("Kopiera till journalen"): the one way client data leaves the
//! phone, so it is logged in the phone's access log as an export (`AccessKind::Export`).
//!
//! It holds what the case manager may see on the phone and no more: the client's code (never
//! the name — the journal system knows the person, and a protected identity stays protected),
//! each contact's day and time, length, kind, setting, village, who was present, and the note
//! (the other organisation's notes never reach the phone). Only contacts on the phone: a period
//! that starts before the phone's window says so in the text instead of looking complete.

use super::error::{Result, UppsokError};
use super::store::UppsokStore;
use super::types::parse_id;
use chrono::{DateTime, Local, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use uppsok_device::store::VisitFilter;
use uppsok_model as m;

/// The longest period one summary covers (a year and a day, for a leap year).
const MAX_DAYS: i64 = 366;

fn contact_sv(c: m::ContactKind) -> &'static str {
    match c {
        m::ContactKind::FaceToFace => "personligt möte",
        m::ContactKind::Phone => "telefon",
        m::ContactKind::Video => "video",
        m::ContactKind::Message => "meddelande",
        m::ContactKind::Attempted => "sökt, ej anträffad",
    }
}

fn setting_sv(s: m::Setting) -> &'static str {
    match s {
        m::Setting::Home => "hemma",
        m::Setting::Community => "ute i samhället",
        m::Setting::Office => "mottagningen",
        m::Setting::Inpatient => "avdelning",
    }
}

/// The text of the summary (Swedish, as the journal is kept). `visits` are the client's contacts
/// in the period, oldest first; `local` turns a time into the phone's wall-clock time; `kept_from`
/// is the first day the phone holds contacts of (the window), if the period starts before it.
pub(crate) fn summary(
    code: &str,
    visits: &[m::Visit],
    (from, to): (NaiveDate, NaiveDate),
    kept_from: Option<NaiveDate>,
    local: impl Fn(DateTime<Utc>) -> NaiveDateTime,
) -> String {
    let mut out = format!(
        "Klient {code}: kontakter {from} – {to} ({} st.)\n",
        visits.len()
    );
    if let Some(first) = kept_from.filter(|d| *d > from) {
        out.push_str(&format!(
            "Kontakter före {first} finns bara på servern och är inte med här.\n"
        ));
    }
    for v in visits {
        let at = local(v.start);
        let mut line = format!(
            "\n{} {}, {} min, {}",
            at.format("%Y-%m-%d"),
            at.format("%H:%M"),
            v.minutes,
            contact_sv(v.contact)
        );
        if let Some(s) = v.setting {
            line.push_str(&format!(", {}", setting_sv(s)));
        }
        if let Some(p) = &v.place {
            line.push_str(&format!(", {}", p.as_str()));
        }
        if !v.client_present {
            line.push_str(", utan klienten (nätverkskontakt)");
        }
        if v.group {
            line.push_str(", gruppkontakt");
        }
        if v.network {
            line.push_str(", nätverket deltog");
        }
        let staff: Vec<&str> = v.staff.iter().map(|s| s.as_str()).collect();
        if !staff.is_empty() {
            line.push_str(&format!(". Närvarande: {}", staff.join(", ")));
        }
        line.push('.');
        out.push_str(&line);
        if let Some(n) = &v.note {
            out.push_str(&format!("\n  {}", n.as_str()));
        }
    }
    if !visits.is_empty() {
        out.push('\n');
    }
    out
}

fn day(field: &str, s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| UppsokError::invalid(field, "must be a date like 2026-11-30"))
}

fn local_start(d: NaiveDate) -> DateTime<Utc> {
    d.and_time(NaiveTime::MIN)
        .and_local_timezone(Local)
        .earliest()
        .map_or_else(
            || d.and_time(NaiveTime::MIN).and_utc(),
            |t| t.with_timezone(&Utc),
        )
}

#[uniffi::export]
impl UppsokStore {
    /// A client's contacts from `from` to `to` (both `ÅÅÅÅ-MM-DD`, included, at most a year) as
    /// plain text to paste into the organisation's journal system. Logged in the phone's
    /// access log as an export of the client's data (a repeat within a minute is one event).
    pub fn client_summary(&self, client_id: String, from: String, to: String) -> Result<String> {
        let client: m::ClientId = parse_id("client", &client_id)?;
        let (from, to) = (day("from", &from)?, day("to", &to)?);
        if to < from || (to - from).num_days() >= MAX_DAYS {
            return Err(UppsokError::invalid(
                "to",
                "must be on or after the first day, at most a year later",
            ));
        }
        self.shared.with(|s| {
            let c = s.client(client)?;
            let visits = s.visits(&VisitFilter {
                client: Some(client),
                from: Some(local_start(from)),
                before: Some(local_start(to + chrono::Days::new(1))),
            })?;
            let kept_from = s.history_window()?.map(|(_, cut)| cut.contacts_from);
            // Logged before the text is handed out, as every read the core serves.
            s.log_access(client, m::AccessKind::Export)?;
            Ok(summary(
                c.code.as_str(),
                &visits,
                (from, to),
                kept_from,
                |t| t.with_timezone(&Local).naive_local(),
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn visit(start: DateTime<Utc>, note: Option<&str>) -> m::Visit {
        let anna = m::Username::parse("anna").unwrap();
        m::Visit {
            id: m::VisitId::new(),
            client: m::ClientId::new(),
            author: anna.clone(),
            staff: vec![anna, m::Username::parse("bo").unwrap()],
            start,
            minutes: 45,
            contact: m::ContactKind::FaceToFace,
            setting: Some(m::Setting::Home),
            network: false,
            client_present: true,
            group: false,
            place: Some(m::PlaceName::parse("Töre").unwrap()),
            note: note.map(|n| m::Note::parse(n).unwrap()),
        }
    }

    #[test]
    fn the_summary_names_the_code_the_contacts_and_their_notes_and_what_is_missing() {
        let d = |m, dd| NaiveDate::from_ymd_opt(2026, m, dd).unwrap();
        let t = Utc.with_ymd_and_hms(2026, 11, 3, 9, 30, 0).unwrap();
        let mut phone = visit(t + chrono::Duration::days(7), None);
        phone.contact = m::ContactKind::Phone;
        phone.setting = None;
        phone.place = None;
        let text = summary(
            "K-017",
            &[visit(t, Some("Mådde bättre")), phone],
            (d(6, 1), d(11, 30)),
            Some(d(6, 6)),
            |t| t.naive_utc(),
        );
        assert_eq!(
            text,
            "Klient K-017: kontakter 2026-06-01 – 2026-11-30 (2 st.)\n\
             Kontakter före 2026-06-06 finns bara på servern och är inte med här.\n\
             \n2026-11-03 09:30, 45 min, personligt möte, hemma, Töre. Närvarande: anna, bo.\n  Mådde bättre\
             \n2026-11-10 09:30, 45 min, telefon. Närvarande: anna, bo.\n"
        );
        let within = summary("K-017", &[], (d(11, 1), d(11, 30)), Some(d(6, 6)), |t| {
            t.naive_utc()
        });
        assert_eq!(
            within,
            "Klient K-017: kontakter 2026-11-01 – 2026-11-30 (0 st.)\n"
        );
    }
}
