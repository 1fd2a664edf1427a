//! Documented follow-up of the access log (*dokumenterad logguppföljning*, HSLF-FS 2016:40
//! 4 kap. 9 §: systematic, recurring sample checks, documented). A reviewer picks a period and
//! a seed, the page draws a random sample of the entries of that period the reviewer may see
//! ([`draw`]: the same seed and period always draw the same sample, so anyone can check it
//! later), the reviewer writes what they found and what was done, and saves it as a follow-up
//! record with a copy of its sample. Past follow-ups are listed and exported as CSV for the
//! data-protection officer. Who may: whoever may see the follow-up page (supervisors for their
//! teams' entries, admins for their organisation's); records are the organisation's.

use std::collections::HashMap;
use std::fmt::Write as _;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration, NaiveDate, Utc};
use serde::Deserialize;
use uppsok_model::fidelity::{Lang, swedish_date};
use uuid::Uuid;

use super::audit::{codes, date_ms, entries};
use super::export::Csv;
use super::html::{Nav, attr, csrf_field, esc, url_enc};
use super::i18n::{self, tr};
use super::{Dash, DashError, DashResult};
use crate::retention::RetentionClass;
use crate::state::AppState;
use crate::store::{AuditAction, AuditRow, FollowUp, SampledEntry};

/// Most entries a sample may hold, and the default.
pub const MAX_SAMPLE: usize = 200;
pub const DEFAULT_SAMPLE: usize = 20;
/// Most entries a period may hold to be sampled whole; a larger one must be shortened.
const POPULATION_LIMIT: i64 = 50_000;
/// Longest findings or action text.
const MAX_TEXT: usize = 4000;

/// SplitMix64's finaliser: a fixed, published mixing function, so a sample drawn today is the
/// one drawn in five years (a random-number crate's generator may change between versions).
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The `size` ids of `ids` ranked first by a hash of (seed, id), in ascending id order. An
/// entry's rank depends only on the seed and its own id, so the same seed and period draw the
/// same sample whatever order the entries come in.
pub fn draw(ids: &[i64], seed: u64, size: usize) -> Vec<i64> {
    let mut ranked: Vec<(u64, i64)> = ids
        .iter()
        .map(|&id| (mix(seed ^ mix(id as u64)), id))
        .collect();
    ranked.sort_unstable();
    ranked.dedup_by_key(|r| r.1);
    let mut out: Vec<i64> = ranked.into_iter().take(size).map(|(_, id)| id).collect();
    out.sort_unstable();
    out
}

#[derive(Debug, Deserialize)]
pub struct SampleQuery {
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    seed: Option<String>,
    #[serde(default)]
    size: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct SaveForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    seed: Option<String>,
    #[serde(default)]
    size: Option<String>,
    #[serde(default)]
    findings: Option<String>,
    #[serde(default)]
    action_taken: Option<String>,
}

/// A checked request for a sample.
struct Params {
    from: NaiveDate,
    to: NaiveDate,
    seed: u64,
    size: usize,
}

fn params(
    from: Option<&str>,
    to: Option<&str>,
    seed: Option<&str>,
    size: Option<&str>,
) -> DashResult<Params> {
    let day = |s: Option<&str>, field: &str| {
        s.map(str::trim)
            .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
            .ok_or_else(|| {
                DashError::BadRequest(format!("Fältet {field} ska vara ett datum ÅÅÅÅ-MM-DD."))
            })
    };
    let from = day(from, "från")?;
    let to = day(to, "till och med")?;
    if to < from {
        return Err(DashError::BadRequest(
            "Fältet till och med får inte vara före från.".into(),
        ));
    }
    let seed = seed
        .map(str::trim)
        .and_then(|s| s.parse::<u32>().ok())
        .ok_or_else(|| {
            DashError::BadRequest("Fältet frö ska vara ett heltal från 0 till 4294967295.".into())
        })?;
    let size = match size.map(str::trim).filter(|s| !s.is_empty()) {
        None => DEFAULT_SAMPLE,
        Some(s) => s
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_SAMPLE).contains(n))
            .ok_or_else(|| {
                DashError::BadRequest(format!(
                    "Fältet antal ska vara ett heltal från 1 till {MAX_SAMPLE}."
                ))
            })?,
    };
    Ok(Params {
        from,
        to,
        seed: u64::from(seed),
        size,
    })
}

/// The period's entries the viewer may see and the sample drawn from them.
async fn sample(state: &AppState, dash: &Dash, p: &Params) -> DashResult<(usize, Vec<AuditRow>)> {
    let v = dash.viewer();
    let from_ms = date_ms(Some(&i18n::date(p.from)), false)?;
    let to_ms = date_ms(Some(&i18n::date(p.to)), true)?;
    let rows = entries(state, &v, None, None, from_ms, to_ms, POPULATION_LIMIT + 1).await?;
    if rows.len() as i64 > POPULATION_LIMIT {
        return Err(DashError::BadRequest(format!(
            "Perioden har fler än {POPULATION_LIMIT} poster; korta den."
        )));
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let chosen = draw(&ids, p.seed, p.size);
    let mut picked: Vec<AuditRow> = rows
        .into_iter()
        .filter(|r| chosen.binary_search(&r.id).is_ok())
        .collect();
    picked.sort_by_key(|r| (r.at_ms, r.id));
    Ok((ids.len(), picked))
}

fn when(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(i18n::date_time)
        .unwrap_or_default()
}

fn code_of(codes: &HashMap<Uuid, String>, l: Lang, client: Option<Uuid>) -> String {
    match client {
        None => "–".into(),
        Some(c) => codes
            .get(&c)
            .cloned()
            .unwrap_or_else(|| tr(l, "(dold för dig)", "(hidden from you)").into()),
    }
}

fn sample_table(l: Lang, rows: &[SampledEntry], codes: &HashMap<Uuid, String>) -> String {
    let mut t = format!(
        "<table><caption>{}</caption><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th>\
         <th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        tr(l, "Stickprovet", "The sample"),
        tr(l, "Post", "Entry"),
        tr(l, "Tid", "Time"),
        tr(l, "Läsare", "Reader"),
        tr(l, "Väg in", "Way in"),
        tr(l, "Åtgärd", "Action"),
        tr(l, "Klient", "Client"),
    );
    for r in rows {
        let code = code_of(codes, l, r.client);
        let client = if r.client.is_some() && codes.contains_key(&r.client.unwrap_or_default()) {
            format!(
                "<a href=\"/audit?client={}\">{}</a>",
                url_enc(&code),
                esc(&code)
            )
        } else {
            esc(&code)
        };
        let _ = write!(
            t,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{client}</td></tr>",
            r.audit_id,
            when(r.at_ms),
            esc(&r.actor_username),
            i18n::via(l, r.via),
            i18n::audit_action(l, r.action),
        );
    }
    t.push_str("</tbody></table>");
    t
}

/// `/audit/followup`: the form that draws a sample, and the follow-ups done so far.
pub async fn page(State(state): State<AppState>, dash: Dash) -> DashResult<Response> {
    let l = dash.lang();
    let today = swedish_date(Utc::now());
    let suggested: u32 = rand::random();
    let mut body = String::new();
    let _ = write!(
        body,
        "<p>{}</p><form class=\"filters\" method=\"get\" action=\"/audit/followup/sample\">\
         <label for=\"from\">{}<input id=\"from\" name=\"from\" type=\"date\" value=\"{}\"></label>\
         <label for=\"to\">{}<input id=\"to\" name=\"to\" type=\"date\" value=\"{}\"></label>\
         <label for=\"seed\">{}<input id=\"seed\" name=\"seed\" inputmode=\"numeric\" value=\"{suggested}\"></label>\
         <label for=\"size\">{}<input id=\"size\" name=\"size\" inputmode=\"numeric\" value=\"{DEFAULT_SAMPLE}\"></label>\
         <button type=\"submit\">{}</button></form>",
        tr(
            l,
            "Dra ett slumpmässigt stickprov ur loggen för en period. Samma frö och period ger alltid samma stickprov, så granskningen kan göras om och kontrolleras.",
            "Draw a random sample of the log for a period. The same seed and period always draw the same sample, so the check can be repeated and verified."
        ),
        tr(l, "Från", "From"),
        attr(&i18n::date(today - Duration::days(30))),
        tr(l, "Till och med", "To (inclusive)"),
        attr(&i18n::date(today)),
        tr(l, "Frö", "Seed"),
        tr(l, "Antal poster", "Entries"),
        tr(l, "Dra stickprov", "Draw the sample"),
    );
    let done = state.store.followups(dash.actor.staff.org).await?;
    let _ = write!(
        body,
        "<h2>{}</h2><p><a href=\"/audit/followups.csv\">{}</a></p>",
        tr(l, "Genomförda uppföljningar", "Follow-ups done"),
        tr(
            l,
            "Ladda ner alla uppföljningar med stickprov (CSV, för dataskyddsombudet)",
            "Download every follow-up with its sample (CSV, for the data-protection officer)"
        ),
    );
    if done.is_empty() {
        let _ = write!(body, "<p>{}</p>", tr(l, "Inga ännu.", "None yet."));
    } else {
        let _ = write!(
            body,
            "<table><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th>\
             <th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
            tr(l, "Sparad", "Saved"),
            tr(l, "Granskare", "Reviewer"),
            tr(l, "Period", "Period"),
            tr(l, "Frö", "Seed"),
            tr(l, "Fynd", "Findings"),
        );
        for f in &done {
            let short: String = f.findings.chars().take(80).collect();
            let _ = write!(
                body,
                "<tr><td><a href=\"/audit/followup/{}\">{}</a></td><td>{}</td><td>{} – {}</td><td>{}</td><td>{}</td></tr>",
                f.id,
                when(f.created_ms),
                esc(&f.reviewer_username),
                esc(&f.from_day),
                esc(&f.to_day),
                f.seed,
                esc(&short),
            );
        }
        body.push_str("</tbody></table>");
    }
    // The organisation's gallring records: counts and dates only (docs/retention.md).
    let runs: Vec<_> = state
        .store
        .retention_runs(500)
        .await?
        .into_iter()
        .filter(|r| r.org == dash.actor.staff.org)
        .take(30)
        .collect();
    let _ = write!(body, "<h2>{}</h2>", tr(l, "Gallring", "Culling (gallring)"));
    if runs.is_empty() {
        let _ = write!(
            body,
            "<p>{}</p>",
            tr(l, "Ingen gallring ännu.", "No culling yet.")
        );
    } else {
        let _ = write!(
            body,
            "<table><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th>\
             <th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
            tr(l, "Tid", "Time"),
            tr(l, "Av", "By"),
            tr(l, "Klass", "Class"),
            tr(l, "Äldre än", "Older than"),
            tr(l, "Gallrade", "Culled"),
            tr(l, "Spärrade (legal hold)", "Held (legal hold)"),
        );
        for r in &runs {
            let class = match r.class {
                RetentionClass::ClientRecords => tr(l, "klientakter", "client records"),
                RetentionClass::Trips => tr(l, "resor", "trips"),
                RetentionClass::AccessLog => tr(l, "åtkomstlogg", "access log"),
            };
            let before = chrono::DateTime::from_timestamp_millis(r.cutoff_ms)
                .map(|d| i18n::date(d.date_naive()))
                .unwrap_or_default();
            let _ = write!(
                body,
                "<tr><td>{}</td><td>{}</td><td>{class} ({} {})</td><td>{before}</td><td>{}</td><td>{}</td></tr>",
                when(r.run_ms),
                esc(&r.run_by),
                r.years,
                tr(l, "år", "years"),
                r.removed,
                r.held,
            );
        }
        body.push_str("</tbody></table>");
    }
    Ok(dash.render(
        tr(
            l,
            "Dokumenterad logguppföljning",
            "Documented log follow-up",
        ),
        Nav::Audit,
        None,
        &body,
    ))
}

/// `/audit/followup/sample`: the drawn sample and the form that saves the follow-up.
pub async fn sample_page(
    State(state): State<AppState>,
    dash: Dash,
    Query(q): Query<SampleQuery>,
) -> DashResult<Response> {
    let l = dash.lang();
    let p = params(
        q.from.as_deref(),
        q.to.as_deref(),
        q.seed.as_deref(),
        q.size.as_deref(),
    )?;
    let (population, picked) = sample(&state, &dash, &p).await?;
    let codes = codes(&state, &dash.viewer()).await?;
    let rows: Vec<SampledEntry> = picked.iter().map(SampledEntry::from).collect();
    let mut body = format!(
        "<p>{} {} – {}, {} {}: {} {} {population} {}.</p>",
        tr(l, "Period", "Period"),
        p.from,
        p.to,
        tr(l, "frö", "seed"),
        p.seed,
        rows.len(),
        tr(l, "poster av", "entries of"),
        tr(l, "i perioden", "in the period"),
    );
    body.push_str(&sample_table(l, &rows, &codes));
    let _ = write!(
        body,
        "<form method=\"post\" action=\"/audit/followup\">{}\
         <input type=\"hidden\" name=\"from\" value=\"{}\"><input type=\"hidden\" name=\"to\" value=\"{}\">\
         <input type=\"hidden\" name=\"seed\" value=\"{}\"><input type=\"hidden\" name=\"size\" value=\"{}\">\
         <label for=\"findings\">{}<textarea id=\"findings\" name=\"findings\" maxlength=\"{MAX_TEXT}\" required></textarea></label>\
         <label for=\"action_taken\">{}<textarea id=\"action_taken\" name=\"action_taken\" maxlength=\"{MAX_TEXT}\"></textarea></label>\
         <button type=\"submit\">{}</button></form>",
        csrf_field(dash.csrf()),
        p.from,
        p.to,
        p.seed,
        p.size,
        tr(
            l,
            "Fynd (vad granskningen visade)",
            "Findings (what the check showed)"
        ),
        tr(
            l,
            "Åtgärd (vad som gjordes; tomt: ingen åtgärd)",
            "Action (what was done; empty: none)"
        ),
        tr(l, "Spara uppföljningen", "Save the follow-up"),
    );
    Ok(dash.render(
        tr(l, "Stickprov ur loggen", "Sample of the log"),
        Nav::Audit,
        None,
        &body,
    ))
}

/// `POST /audit/followup`: draws the sample again from the same period and seed and saves it
/// with the findings and the action.
pub async fn save(
    State(state): State<AppState>,
    dash: Dash,
    Form(f): Form<SaveForm>,
) -> DashResult<Response> {
    dash.check_csrf(f.csrf.as_deref())?;
    let p = params(
        f.from.as_deref(),
        f.to.as_deref(),
        f.seed.as_deref(),
        f.size.as_deref(),
    )?;
    let findings = f.findings.as_deref().map(str::trim).unwrap_or_default();
    if findings.is_empty() {
        return Err(DashError::BadRequest("Fältet fynd måste fyllas i.".into()));
    }
    let action = f.action_taken.as_deref().map(str::trim).unwrap_or_default();
    if findings.chars().count() > MAX_TEXT || action.chars().count() > MAX_TEXT {
        return Err(DashError::BadRequest(format!(
            "Fälten fynd och åtgärd får vara högst {MAX_TEXT} tecken."
        )));
    }
    let (population, picked) = sample(&state, &dash, &p).await?;
    let rows: Vec<SampledEntry> = picked.iter().map(SampledEntry::from).collect();
    let saved = state
        .store
        .save_followup(
            FollowUp {
                id: Uuid::nil(),
                org: dash.actor.staff.org,
                reviewer: dash.actor.staff.id,
                reviewer_username: dash.actor.staff.username.clone(),
                created_ms: 0,
                from_day: p.from.to_string(),
                to_day: p.to.to_string(),
                seed: p.seed as i64,
                population: population as i64,
                findings: findings.to_owned(),
                action_taken: if action.is_empty() {
                    "Ingen åtgärd".to_owned()
                } else {
                    action.to_owned()
                },
            },
            &rows,
        )
        .await?;
    Ok(Redirect::to(&format!("/audit/followup/{}", saved.id)).into_response())
}

/// The follow-up `id` of the viewer's organisation (any other is "not found").
async fn own(state: &AppState, dash: &Dash, id: &str) -> DashResult<FollowUp> {
    let id: Uuid = id.parse().map_err(|_| DashError::NotFound("follow-up"))?;
    state
        .store
        .followup(id)
        .await?
        .filter(|f| f.org == dash.actor.staff.org)
        .ok_or(DashError::NotFound("follow-up"))
}

/// `/audit/followup/{id}`: one follow-up with its sample.
pub async fn show(
    State(state): State<AppState>,
    dash: Dash,
    Path(id): Path<String>,
) -> DashResult<Response> {
    let l = dash.lang();
    let f = own(&state, &dash, &id).await?;
    let rows = state.store.followup_sample(f.id).await?;
    let codes = codes(&state, &dash.viewer()).await?;
    let mut body = format!(
        "<dl><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{} – {}</dd><dt>{}</dt><dd>{}</dd>\
         <dt>{}</dt><dd>{} {} {}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd></dl>",
        tr(l, "Sparad", "Saved"),
        when(f.created_ms),
        tr(l, "Granskare", "Reviewer"),
        esc(&f.reviewer_username),
        tr(l, "Period", "Period"),
        esc(&f.from_day),
        esc(&f.to_day),
        tr(l, "Frö", "Seed"),
        f.seed,
        tr(l, "Stickprov", "Sample"),
        rows.len(),
        tr(l, "poster av", "entries of"),
        f.population,
        tr(l, "Fynd", "Findings"),
        esc(&f.findings),
        tr(l, "Åtgärd", "Action"),
        esc(&f.action_taken),
    );
    body.push_str(&sample_table(l, &rows, &codes));
    let _ = write!(
        body,
        "<p><a href=\"/audit/followup\">{}</a></p>",
        tr(l, "Alla uppföljningar", "All follow-ups")
    );
    Ok(dash.render(
        tr(l, "Logguppföljning", "Log follow-up"),
        Nav::Audit,
        None,
        &body,
    ))
}

/// `/audit/followups.csv`: every follow-up of the organisation, one row per sampled entry (a
/// follow-up with an empty sample is one row), in Swedish. Logged as an export.
pub async fn csv(State(state): State<AppState>, dash: Dash) -> DashResult<Response> {
    let sv = Lang::Sv;
    let codes = codes(&state, &dash.viewer()).await?;
    let mut csv = Csv::new();
    csv.row(&[
        "Uppföljning",
        "Sparad (svensk tid)",
        "Granskare",
        "Period från",
        "Period till och med",
        "Frö",
        "Poster i perioden",
        "Fynd",
        "Åtgärd",
        "Post",
        "Postens tid (svensk tid)",
        "Läsare",
        "Väg in",
        "Åtgärd i loggen",
        "Klientkod",
    ]);
    let time = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .map(i18n::date_time_s)
            .unwrap_or_default()
    };
    for f in state.store.followups(dash.actor.staff.org).await? {
        let head = [
            f.id.to_string(),
            time(f.created_ms),
            f.reviewer_username.clone(),
            f.from_day.clone(),
            f.to_day.clone(),
            f.seed.to_string(),
            f.population.to_string(),
            f.findings.clone(),
            f.action_taken.clone(),
        ];
        let sample = state.store.followup_sample(f.id).await?;
        if sample.is_empty() {
            let mut row = head.to_vec();
            row.extend(std::iter::repeat_n(String::new(), 6));
            csv.row(&row);
        }
        for s in sample {
            let mut row = head.to_vec();
            row.extend([
                s.audit_id.to_string(),
                time(s.at_ms),
                s.actor_username,
                i18n::via(sv, s.via).to_owned(),
                i18n::audit_action(sv, s.action).to_owned(),
                code_of(&codes, sv, s.client),
            ]);
            csv.row(&row);
        }
    }
    state
        .store
        .append_audit(&[dash.audit(AuditAction::Export)])
        .await?;
    let mut resp = csv.finish().into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    let day = i18n::date(swedish_date(Utc::now()));
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"logguppfoljningar-{day}.csv\""
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mixer_is_splitmix64() {
        // SplitMix64 seeded with 0: its first output is the published 0xE220A8397B1DCDAF.
        assert_eq!(mix(0), 0xE220_A839_7B1D_CDAF);
    }

    #[test]
    fn same_seed_same_sample_whatever_the_order() {
        let ids: Vec<i64> = (1..=500).collect();
        let a = draw(&ids, 42, 20);
        let mut shuffled = ids.clone();
        shuffled.reverse();
        assert_eq!(a, draw(&shuffled, 42, 20));
        assert_eq!(a.len(), 20);
        assert!(a.windows(2).all(|w| w[0] < w[1]), "ascending, distinct");
        assert_ne!(a, draw(&ids, 43, 20), "another seed, another sample");
        // A larger sample of the same seed contains the smaller one.
        let b = draw(&ids, 42, 40);
        assert!(a.iter().all(|id| b.contains(id)));
        // Asking for more than there is gives all of it.
        assert_eq!(draw(&[5, 3, 9], 7, 10), vec![3, 5, 9]);
        assert!(draw(&[], 7, 10).is_empty());
    }
}
