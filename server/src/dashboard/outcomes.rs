//! Outcomes on the dashboard: the team's figures (inpatient stays and days and emergency visits in
//! the 12 months before admission against each year in the team, housing and occupation at
//! admission and now, satisfaction means) as a section another page can mount, the `/outcomes`
//! page that shows it with a row per client, and on the client page the list of the client's
//! outcomes with a form to record a new one.
//!
//! Everything is loaded through [`crate::store::outcomes`], which checks each outcome with
//! [`crate::access::may_see_outcome`]; team figures come from exactly the clients the viewer
//! may see, and rows about fewer than [`MIN_CLIENTS`] clients are withheld as on the fidelity
//! page, so a figure never stands for one or two people.

use std::fmt::Write as _;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDate, Utc};
use serde::Deserialize;
use uppsok_model::fidelity::program::MIN_CLIENTS;
use uppsok_model::fidelity::{Lang, swedish_date};
use uppsok_model::outcome::figures::{
    self, ClientComparison, Satisfaction, Shift, Tally, TeamYear,
};
use uppsok_model::outcome::{
    Care, Event, Housing, Kind, Occupation, Outcome, Respondent, SATISFACTION_QUESTIONS, Source,
};
use uppsok_model::{ClientId, Entity, OutcomeId, Record, TeamId, Username};
use uuid::Uuid;

use uppsok_report::followup_pdf::{Bar, Block, Section};

use super::charts::{BarPair, before_after_bars};
use super::html::{Nav, csrf_field, esc};
use super::i18n::{self, num, tr};
use super::{Dash, DashError, DashResult};
use crate::access::{self, ClientFacts, Viewer};
use crate::state::AppState;
use crate::store::outcomes::{SeenOutcome, outcomes_for_team};
use crate::store::{AuditAction, AuditEntry, RecordWrite, Store, StoreResult};

/// One client's row: its code and comparison.
#[derive(Debug, Clone)]
pub struct ClientRow {
    pub client: ClientId,
    pub code: String,
    pub comparison: ClientComparison,
}

/// What the outcomes section shows, computed for one viewer and team.
#[derive(Debug, Clone)]
pub struct OutcomesView {
    pub today: NaiveDate,
    /// Clients behind the figures: those the viewer may see that have an admission day.
    pub clients: usize,
    pub years: Vec<TeamYear>,
    pub housing: Option<Shift<Housing>>,
    pub occupation: Option<Shift<Occupation>>,
    pub satisfaction: Vec<Satisfaction>,
    /// One row per client the viewer may see, by code.
    pub rows: Vec<ClientRow>,
}

/// Loads the team's outcomes the viewer may see and computes the figures as of `today`.
pub async fn load_outcomes_view(
    store: &Store,
    viewer: &Viewer,
    team: TeamId,
    today: NaiveDate,
) -> StoreResult<OutcomesView> {
    let team_outcomes = outcomes_for_team(store, viewer, team).await?;
    let refs = team_outcomes.refs();
    let input = team_outcomes.figures_input(&refs);
    let comparisons: Vec<ClientComparison> =
        input.iter().map(|c| figures::compare(c, today)).collect();
    let rows = team_outcomes
        .clients
        .iter()
        .zip(&comparisons)
        .map(|(c, cmp)| ClientRow {
            client: c.client,
            code: c.code.clone(),
            comparison: cmp.clone(),
        })
        .collect();
    Ok(OutcomesView {
        today,
        clients: input.len(),
        years: figures::team_years(&comparisons, MIN_CLIENTS),
        housing: figures::housing_shift(&input, today, MIN_CLIENTS),
        occupation: figures::occupation_shift(&input, today, MIN_CLIENTS),
        satisfaction: figures::satisfaction(&input, MIN_CLIENTS),
        rows,
    })
}

fn year_label(l: Lang, year: u32) -> String {
    format!("{} {year}", tr(l, "År", "Year"))
}

fn opt(v: Option<u32>) -> String {
    v.map_or_else(|| "–".into(), |n| n.to_string())
}

fn tally_cells(t: Option<&Tally>) -> String {
    format!(
        "<td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
        opt(t.map(|t| t.admissions)),
        opt(t.map(|t| t.compulsory)),
        opt(t.map(|t| t.inpatient_days)),
        opt(t.map(|t| t.emergency_visits)),
    )
}

fn tally_head(l: Lang) -> String {
    format!(
        "<th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th>",
        tr(l, "Inskrivningar", "Admissions"),
        tr(l, "varav LPT/LVM", "of which LPT/LVM"),
        tr(l, "Vårddygn", "Inpatient days"),
        tr(l, "Akutbesök", "ER visits"),
    )
}

fn shift_table<T: Ord + Copy>(
    l: Lang,
    caption: &str,
    shift: Option<&Shift<T>>,
    all: &[T],
    label: impl Fn(T) -> &'static str,
) -> String {
    let mut s = String::new();
    let Some(shift) = shift else {
        let _ = write!(
            s,
            "<p class=\"muted\">{}: {}</p>",
            esc(caption),
            tr(
                l,
                "visas inte, färre än tre klienter",
                "not shown, fewer than three clients"
            )
        );
        return s;
    };
    let _ = write!(
        s,
        "<table><caption>{} ({} {})</caption><thead><tr><th scope=\"col\"></th>\
         <th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        esc(caption),
        shift.clients,
        tr(l, "klienter", "clients"),
        tr(l, "Vid inskrivning", "At admission"),
        tr(l, "Nu", "Now"),
    );
    let cell = |m: &std::collections::BTreeMap<T, Option<usize>>, k: T| match m.get(&k) {
        None => "0".to_owned(),
        Some(None) => tr(l, "färre än 3", "fewer than 3").to_owned(),
        Some(Some(n)) => n.to_string(),
    };
    for &k in all {
        let _ = write!(
            s,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td></tr>",
            label(k),
            cell(&shift.at_admission, k),
            cell(&shift.now, k),
        );
    }
    let _ = write!(
        s,
        "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td></tr></tbody></table>",
        tr(l, "Inte känt", "Not known"),
        shift.unknown.0,
        shift.unknown.1,
    );
    s
}

/// The outcomes section of the `/outcomes` page: the team's figures and a row per client the
/// viewer may see.
pub fn outcomes_section(view: &OutcomesView, lang: Lang) -> String {
    format!(
        "<section id=\"utfall\"><h2>{}</h2>{}{}</section>",
        tr(lang, "Utfall", "Outcomes"),
        team_figures(view, lang),
        client_rows(view, lang)
    )
}

/// The team's figures without any client: the before/after table with its chart, the headline
/// figure of the first year, housing and occupation at admission and now, satisfaction means.
/// The cost page mounts this part, so it names no client.
pub fn team_figures(view: &OutcomesView, lang: Lang) -> String {
    let l = lang;
    let mut s = String::new();
    let _ = write!(
        s,
        "<p>{}</p>",
        tr(
            l,
            "Slutenvård och akutbesök de 12 månaderna före inskrivningen i teamet jämfört med varje helt år i teamet. \
             Varje rad jämför samma klienter; rader med färre än tre klienter visas inte.",
            "Inpatient care and emergency visits in the 12 months before admission to the team against each full year \
             in the team. Each row compares the same clients; rows with fewer than three clients are not shown."
        ),
    );
    if let Some((days, admissions)) = first_year_headline(view) {
        let _ = write!(
            s,
            "<p id=\"outcomes-first-year\">{} <strong id=\"outcomes-days\">{days}</strong>. {} <strong id=\"outcomes-admissions\">{admissions}</strong>.</p>",
            tr(
                l,
                "Vårddygn 12 månader före inskrivningen / första året i teamet:",
                "Inpatient days in the 12 months before admission / the first year in the team:"
            ),
            tr(
                l,
                "Inskrivningar i slutenvård:",
                "Admissions to inpatient care:"
            ),
        );
    }
    let _ = write!(
        s,
        "<table><caption>{}</caption><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\"></th>{}</tr></thead><tbody>",
        tr(
            l,
            "Teamet före och efter inskrivning",
            "The team before and after admission"
        ),
        tr(l, "År i teamet", "Year in team"),
        tr(l, "Klienter", "Clients"),
        tally_head(l),
    );
    for y in &view.years {
        let _ = write!(
            s,
            "<tr><th scope=\"row\" rowspan=\"2\">{}</th><td rowspan=\"2\">{}</td><td>{}</td>{}</tr>\
             <tr><td>{}</td>{}</tr>",
            year_label(l, y.year),
            y.clients,
            tr(l, "12 mån före", "12 months before"),
            tally_cells(y.before.as_ref()),
            tr(l, "Året i teamet", "The year in team"),
            tally_cells(y.after.as_ref()),
        );
    }
    if view.years.is_empty() {
        let _ = write!(
            s,
            "<tr><td colspan=\"7\">{}</td></tr>",
            tr(
                l,
                "Ingen klient har varit ett helt år i teamet än.",
                "No client has completed a year in the team yet."
            )
        );
    }
    s.push_str("</tbody></table>");
    let labels: Vec<String> = view.years.iter().map(|y| year_label(l, y.year)).collect();
    let pairs: Vec<BarPair<'_>> = view
        .years
        .iter()
        .zip(&labels)
        .map(|(y, label)| BarPair {
            label,
            before: y.before.map(|t| t.inpatient_days),
            after: y.after.map(|t| t.inpatient_days),
        })
        .collect();
    if !pairs.is_empty() {
        s.push_str(&before_after_bars(
            l,
            tr(
                l,
                "Vårddygn 12 månader före inskrivning (ljus) och året i teamet (mörk)",
                "Inpatient days in the 12 months before admission (light) and the year in team (dark)"
            ),
            &pairs,
        ));
    }

    s.push_str(&shift_table(
        l,
        tr(l, "Boende", "Housing"),
        view.housing.as_ref(),
        Housing::ALL,
        |h| h.label().get(l),
    ));
    s.push_str(&shift_table(
        l,
        tr(l, "Sysselsättning", "Daily occupation"),
        view.occupation.as_ref(),
        Occupation::ALL,
        |o| o.label().get(l),
    ));

    let _ = write!(
        s,
        "<table><caption>{}</caption><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th>",
        tr(
            l,
            "Nöjdhet, medelvärde 1–5 per fråga",
            "Satisfaction, mean 1–5 per question"
        ),
        tr(l, "År", "Year"),
        tr(l, "Svarande", "Respondent"),
        tr(l, "Svar", "Answers"),
    );
    for q in SATISFACTION_QUESTIONS {
        let _ = write!(s, "<th scope=\"col\">{}</th>", q.get(l));
    }
    s.push_str("</tr></thead><tbody>");
    for row in &view.satisfaction {
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td>",
            row.year,
            row.respondent.label().get(l),
            row.answered
        );
        for m in row.means {
            let _ = write!(
                s,
                "<td>{}</td>",
                m.map_or_else(|| "–".into(), |m| num(l, m, 1))
            );
        }
        s.push_str("</tr>");
    }
    if view.satisfaction.is_empty() {
        let _ = write!(
            s,
            "<tr><td colspan=\"7\">{}</td></tr>",
            tr(l, "Inga svar.", "No answers.")
        );
    }
    s.push_str("</tbody></table>");

    s
}

/// "before / after" of the first year's inpatient days and admissions, when that row is shown.
pub fn first_year_headline(view: &OutcomesView) -> Option<(String, String)> {
    let y = view.years.first()?;
    let (b, a) = (y.before?, y.after?);
    Some((
        format!("{} / {}", b.inpatient_days, a.inpatient_days),
        format!("{} / {}", b.admissions, a.admissions),
    ))
}

/// A row per client the viewer may see, by code: client data, logged by the page that shows it.
fn client_rows(view: &OutcomesView, lang: Lang) -> String {
    let l = lang;
    let mut s = String::new();
    let _ = write!(
        s,
        "<table><caption>{}</caption><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th>\
         <th scope=\"col\"></th>{}</tr></thead><tbody>",
        tr(
            l,
            "Per klient: 12 månader före och varje helt år i teamet",
            "Per client: 12 months before and each full year in the team"
        ),
        tr(l, "Klient", "Client"),
        tr(l, "Inskriven", "Admitted"),
        tally_head(l),
    );
    for r in &view.rows {
        let c = &r.comparison;
        let span = 1 + c.after.len();
        let _ = write!(
            s,
            "<tr><th scope=\"row\" rowspan=\"{span}\"><a href=\"/client/{}\">{}</a></th><td rowspan=\"{span}\">{}</td>\
             <td>{}</td>{}</tr>",
            r.client,
            esc(&r.code),
            i18n::date(c.admitted),
            tr(l, "12 mån före", "12 months before"),
            tally_cells(Some(&c.before)),
        );
        for (k, t) in c.after.iter().enumerate() {
            let _ = write!(
                s,
                "<tr><td>{}</td>{}</tr>",
                year_label(l, k as u32 + 1),
                tally_cells(Some(t))
            );
        }
    }
    if view.rows.is_empty() {
        let _ = write!(
            s,
            "<tr><td colspan=\"7\">{}</td></tr>",
            tr(
                l,
                "Inga klienter med inskrivningsdatum.",
                "No clients with an admission day."
            )
        );
    }
    s.push_str("</tbody></table>");
    s
}

/// The day the figures are computed as of for a report period ending `last`: a year counts once
/// it is over, so a past year's report shows what was known at its end.
pub fn as_of(last: NaiveDate, today: NaiveDate) -> NaiveDate {
    last.min(today)
}

fn tally_row(label: String, clients: usize, t: Option<&Tally>) -> Vec<String> {
    vec![
        label,
        clients.to_string(),
        opt(t.map(|t| t.admissions)),
        opt(t.map(|t| t.compulsory)),
        opt(t.map(|t| t.inpatient_days)),
        opt(t.map(|t| t.emergency_visits)),
    ]
}

fn shift_block<T: Ord + Copy>(
    l: Lang,
    caption: &str,
    shift: Option<&Shift<T>>,
    all: &[T],
    label: impl Fn(T) -> &'static str,
) -> Block {
    let Some(shift) = shift else {
        return Block::Text(format!(
            "{caption}: {}",
            tr(
                l,
                "visas inte, färre än tre klienter.",
                "not shown, fewer than three clients."
            )
        ));
    };
    let cell = |m: &std::collections::BTreeMap<T, Option<usize>>, k: T| match m.get(&k) {
        None => "0".to_owned(),
        Some(None) => tr(l, "färre än 3", "fewer than 3").to_owned(),
        Some(Some(n)) => n.to_string(),
    };
    let mut rows: Vec<Vec<String>> = all
        .iter()
        .map(|&k| {
            vec![
                label(k).to_owned(),
                cell(&shift.at_admission, k),
                cell(&shift.now, k),
            ]
        })
        .collect();
    rows.push(vec![
        tr(l, "Inte känt", "Not known").to_owned(),
        shift.unknown.0.to_string(),
        shift.unknown.1.to_string(),
    ]);
    Block::Table {
        head: vec![
            format!(
                "{caption} ({} {})",
                shift.clients,
                tr(l, "klienter", "clients")
            ),
            tr(l, "Vid inskrivning", "At admission").into(),
            tr(l, "Nu", "Now").into(),
        ],
        rows,
    }
}

/// The yearly follow-up's outcomes section: the team's figures only, no client.
pub fn report_section(view: &OutcomesView, l: Lang) -> Section {
    let mut blocks = vec![Block::Text(format!(
        "{} {}",
        tr(
            l,
            "Slutenvård och akutbesök de 12 månaderna före inskrivningen i teamet jämfört med varje helt år i teamet; \
             varje rad jämför samma klienter.",
            "Inpatient care and emergency visits in the 12 months before admission to the team against each full \
             year in the team; each row compares the same clients."
        ),
        match l {
            Lang::Sv => format!(
                "Underlaget är {} klienter med inskrivningsdatum vars utfall får visas för dig (samtycke mellan kommun och region).",
                view.clients
            ),
            Lang::En => format!(
                "Based on {} clients with an admission day whose outcomes you may see (consent between municipality and region).",
                view.clients
            ),
        }
    ))];
    if let Some((days, admissions)) = first_year_headline(view) {
        blocks.push(Block::Figures(vec![
            (
                tr(
                    l,
                    "Vårddygn före / första året",
                    "Inpatient days before / first year",
                )
                .into(),
                days,
            ),
            (
                tr(
                    l,
                    "Inskrivningar före / första året",
                    "Admissions before / first year",
                )
                .into(),
                admissions,
            ),
        ]));
    }
    if view.years.is_empty() {
        blocks.push(Block::Text(
            tr(
                l,
                "Ingen klient har varit ett helt år i teamet än.",
                "No client has completed a year in the team yet.",
            )
            .into(),
        ));
    } else {
        let mut rows = Vec::new();
        let mut bars = Vec::new();
        for y in &view.years {
            let before = format!(
                "{}, {}",
                year_label(l, y.year),
                tr(l, "12 mån före", "12 months before")
            );
            let after = format!(
                "{}, {}",
                year_label(l, y.year),
                tr(l, "året i teamet", "the year in team")
            );
            for (label, t) in [(before, y.before), (after, y.after)] {
                bars.push(Bar {
                    label: label.clone(),
                    value: t.map(|t| f64::from(t.inpatient_days)),
                    shown: t.map_or_else(
                        || tr(l, "färre än 3 klienter", "fewer than 3 clients").into(),
                        |t| t.inpatient_days.to_string(),
                    ),
                });
                rows.push(tally_row(label, y.clients, t.as_ref()));
            }
        }
        blocks.push(Block::Table {
            head: vec![
                "".into(),
                tr(l, "Klienter", "Clients").into(),
                tr(l, "Inskrivningar", "Admissions").into(),
                tr(l, "varav LPT/LVM", "of which LPT/LVM").into(),
                tr(l, "Vårddygn", "Inpatient days").into(),
                tr(l, "Akutbesök", "ER visits").into(),
            ],
            rows,
        });
        blocks.push(Block::Bars {
            caption: tr(
                l,
                "Vårddygn före och efter inskrivning",
                "Inpatient days before and after admission",
            )
            .into(),
            bars,
        });
    }
    blocks.push(shift_block(
        l,
        tr(l, "Boende", "Housing"),
        view.housing.as_ref(),
        Housing::ALL,
        |h| h.label().get(l),
    ));
    blocks.push(shift_block(
        l,
        tr(l, "Sysselsättning", "Daily occupation"),
        view.occupation.as_ref(),
        Occupation::ALL,
        |o| o.label().get(l),
    ));
    if !view.satisfaction.is_empty() {
        let mut head = vec![
            tr(l, "Nöjdhet (1–5)", "Satisfaction (1–5)").to_owned(),
            tr(l, "Svar", "Answers").into(),
        ];
        head.extend(
            (1..=SATISFACTION_QUESTIONS.len())
                .map(|n| format!("{} {n}", tr(l, "Fråga", "Question"))),
        );
        let rows = view
            .satisfaction
            .iter()
            .map(|row| {
                let mut r = vec![
                    format!("{} {}", row.year, row.respondent.label().get(l)),
                    row.answered.to_string(),
                ];
                r.extend(
                    row.means
                        .iter()
                        .map(|m| m.map_or_else(|| "–".into(), |m| num(l, m, 1))),
                );
                r
            })
            .collect();
        blocks.push(Block::Table { head, rows });
        blocks.push(Block::Text(
            SATISFACTION_QUESTIONS
                .iter()
                .enumerate()
                .map(|(i, q)| format!("{} {}: {}", tr(l, "Fråga", "Question"), i + 1, q.get(l)))
                .collect::<Vec<_>>()
                .join(" "),
        ));
    }
    Section {
        heading: tr(l, "Utfall", "Outcomes").into(),
        blocks,
    }
}

#[derive(Debug, Deserialize)]
pub struct OutcomesQuery {
    #[serde(default)]
    team: Option<String>,
}

/// `/outcomes`: the team's outcome figures and a row per client the viewer may see.
pub async fn page(
    State(state): State<AppState>,
    dash: Dash,
    Query(q): Query<OutcomesQuery>,
) -> DashResult<Response> {
    dash.require_supervisor()?;
    let l = dash.lang();
    let team = dash.team(&state, q.team.as_deref()).await?;
    let today = swedish_date(Utc::now());
    let view = load_outcomes_view(&state.store, &dash.viewer(), team.id, today).await?;
    // Per-client rows are client data: one entry per client shown, like an export.
    let entries: Vec<AuditEntry> = view
        .rows
        .iter()
        .map(|r| AuditEntry {
            entity: Some(Entity::Outcome),
            client: Some(r.client),
            record: None,
            team: Some(team.id),
            ..dash.audit(AuditAction::List)
        })
        .collect();
    state.store.append_audit(&entries).await?;
    let mut body = dash.team_picker(&state, &team).await?;
    body.push_str(&outcomes_section(&view, l));
    Ok(dash.render(
        tr(l, "Utfall", "Outcomes"),
        Nav::Outcomes,
        Some(&team),
        &body,
    ))
}

/// What an outcome says in one line: its kind and details.
fn what(l: Lang, o: &Outcome) -> String {
    let kind = o.event.kind().label().get(l);
    match &o.event {
        Event::Inpatient {
            care,
            discharged,
            compulsory: _,
        } => {
            let law = o
                .compulsory_law()
                .map(|law| format!(", {law}"))
                .unwrap_or_default();
            let out = match discharged {
                Some(d) => format!("{} {}", tr(l, "utskriven", "discharged"), i18n::date(*d)),
                None => tr(l, "pågår", "ongoing").to_owned(),
            };
            format!("{kind}: {}{law}, {out}", care.label().get(l))
        }
        Event::Emergency => kind.to_owned(),
        Event::Housing { housing } => format!("{kind}: {}", housing.label().get(l)),
        Event::Occupation { occupation } => format!("{kind}: {}", occupation.label().get(l)),
        Event::Satisfaction {
            respondent,
            answers,
        } => {
            let given: Vec<String> = answers
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    format!(
                        "{} {}",
                        i + 1,
                        a.map_or_else(|| "–".into(), |a| a.to_string())
                    )
                })
                .collect();
            format!(
                "{kind}, {}: {}",
                respondent.label().get(l),
                given.join(" · ")
            )
        }
    }
}

fn options<T: Copy>(
    all: &[T],
    code: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> &'static str,
) -> String {
    all.iter()
        .map(|&v| format!("<option value=\"{}\">{}</option>", code(v), label(v)))
        .collect()
}

/// The client page's section: the client's outcomes the viewer may see, newest first, and the
/// form that records a new one.
pub fn client_section(l: Lang, client: ClientId, outcomes: &[SeenOutcome], csrf: &str) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<section id=\"utfall\"><h2>{}</h2><table><caption>{}</caption><thead><tr>\
         <th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        tr(l, "Utfall", "Outcomes"),
        tr(
            l,
            "Slutenvård, akutbesök, boende, sysselsättning och nöjdhet, nyast först",
            "Inpatient care, emergency visits, housing, occupation and satisfaction, newest first"
        ),
        tr(l, "Dag", "Day"),
        tr(l, "Vad", "What"),
        tr(l, "Källa", "Source"),
    );
    let mut sorted: Vec<&SeenOutcome> = outcomes.iter().collect();
    sorted.sort_by_key(|o| std::cmp::Reverse((o.outcome.day, o.outcome.id)));
    for o in &sorted {
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            i18n::date(o.outcome.day),
            esc(&what(l, &o.outcome)),
            o.outcome.source.label().get(l),
        );
    }
    if sorted.is_empty() {
        let _ = write!(
            s,
            "<tr><td colspan=\"3\">{}</td></tr>",
            tr(l, "Inga utfall registrerade.", "No outcomes recorded.")
        );
    }
    s.push_str("</tbody></table>");
    let answer_opts: String = std::iter::once("<option value=\"\">–</option>".to_owned())
        .chain((1..=5).map(|n| format!("<option value=\"{n}\">{n}</option>")))
        .collect();
    let _ = write!(
        s,
        "<h3>{}</h3><form method=\"post\" action=\"/client/{client}/outcomes\" class=\"outcome\">{}\
         <label for=\"o-kind\">{}<select id=\"o-kind\" name=\"kind\">{}</select></label>\
         <label for=\"o-day\">{}<input id=\"o-day\" name=\"day\" type=\"date\" required></label>\
         <label for=\"o-source\">{}<select id=\"o-source\" name=\"source\">{}</select></label>\
         <fieldset><legend>{}</legend>\
         <label for=\"o-care\">{}<select id=\"o-care\" name=\"care\">{}</select></label>\
         <label for=\"o-discharged\">{}<input id=\"o-discharged\" name=\"discharged\" type=\"date\"></label>\
         <label for=\"o-compulsory\"><input id=\"o-compulsory\" name=\"compulsory\" type=\"checkbox\" value=\"yes\"> {}</label></fieldset>\
         <label for=\"o-housing\">{}<select id=\"o-housing\" name=\"housing\">{}</select></label>\
         <label for=\"o-occupation\">{}<select id=\"o-occupation\" name=\"occupation\">{}</select></label>\
         <fieldset><legend>{}</legend>\
         <label for=\"o-respondent\">{}<select id=\"o-respondent\" name=\"respondent\">{}</select></label>",
        tr(l, "Registrera utfall", "Record an outcome"),
        csrf_field(csrf),
        tr(l, "Slag", "Kind"),
        options(Kind::ALL, Kind::as_str, |k| k.label().get(l)),
        tr(l, "Dag", "Day"),
        tr(l, "Källa", "Source"),
        options(Source::ALL, Source::as_str, |k| k.label().get(l)),
        tr(l, "Slutenvård", "Inpatient care"),
        tr(l, "Vårdform", "Care"),
        options(Care::ALL, Care::as_str, |k| k.label().get(l)),
        tr(
            l,
            "Utskriven (tomt om vården pågår)",
            "Discharged (empty while ongoing)"
        ),
        tr(l, "Tvångsvård (LPT/LVM)", "Compulsory care (LPT/LVM)"),
        tr(l, "Boende", "Housing"),
        options(Housing::ALL, Housing::as_str, |k| k.label().get(l)),
        tr(l, "Sysselsättning", "Daily occupation"),
        options(Occupation::ALL, Occupation::as_str, |k| k.label().get(l)),
        tr(l, "Nöjdhet (årlig fråga)", "Satisfaction (yearly)"),
        tr(l, "Svarande", "Respondent"),
        options(Respondent::ALL, Respondent::as_str, |k| k.label().get(l)),
    );
    for (i, q) in SATISFACTION_QUESTIONS.iter().enumerate() {
        let _ = write!(
            s,
            "<label for=\"o-q{n}\">{}<select id=\"o-q{n}\" name=\"q{n}\">{answer_opts}</select></label>",
            q.get(l),
            n = i + 1,
        );
    }
    let _ = write!(
        s,
        "</fieldset><button type=\"submit\">{}</button></form></section>",
        tr(l, "Spara utfall", "Save outcome")
    );
    s
}

/// The form of [`client_section`]; fields not used by the kind are ignored.
#[derive(Debug, Deserialize)]
pub struct OutcomeForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    day: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    care: Option<String>,
    #[serde(default)]
    discharged: Option<String>,
    #[serde(default)]
    compulsory: Option<String>,
    #[serde(default)]
    housing: Option<String>,
    #[serde(default)]
    occupation: Option<String>,
    #[serde(default)]
    respondent: Option<String>,
    #[serde(default)]
    q1: Option<String>,
    #[serde(default)]
    q2: Option<String>,
    #[serde(default)]
    q3: Option<String>,
    #[serde(default)]
    q4: Option<String>,
}

fn bad(field: &str, rule: &str) -> DashError {
    DashError::BadRequest(format!("Fältet {field} {rule}."))
}

fn pick<T: std::str::FromStr>(v: Option<&str>, field: &str) -> DashResult<T> {
    v.map(str::trim)
        .filter(|s| !s.is_empty())
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad(field, "saknas eller har ett värde som inte finns i listan"))
}

fn date_of(v: Option<&str>, field: &str) -> DashResult<Option<NaiveDate>> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| bad(field, "ska vara ett datum (ÅÅÅÅ-MM-DD)")),
    }
}

/// The form as an event, or the first field that is wrong, named in Swedish.
fn event_of(f: &OutcomeForm) -> DashResult<Event> {
    let kind: Kind = pick(f.kind.as_deref(), "slag")?;
    Ok(match kind {
        Kind::Inpatient => Event::Inpatient {
            care: pick(f.care.as_deref(), "vårdform")?,
            discharged: date_of(f.discharged.as_deref(), "utskriven")?,
            compulsory: f
                .compulsory
                .as_deref()
                .is_some_and(|c| !c.trim().is_empty()),
        },
        Kind::Emergency => Event::Emergency,
        Kind::Housing => Event::Housing {
            housing: pick(f.housing.as_deref(), "boende")?,
        },
        Kind::Occupation => Event::Occupation {
            occupation: pick(f.occupation.as_deref(), "sysselsättning")?,
        },
        Kind::Satisfaction => {
            let mut answers = [None; 4];
            for (i, a) in [&f.q1, &f.q2, &f.q3, &f.q4].into_iter().enumerate() {
                answers[i] = match a.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                    None => None,
                    Some(s) => Some(
                        s.parse::<u8>()
                            .map_err(|_| bad(&format!("fråga {}", i + 1), "ska vara 1–5"))?,
                    ),
                };
            }
            Event::Satisfaction {
                respondent: pick(f.respondent.as_deref(), "svarande")?,
                answers,
            }
        }
    })
}

/// The model's rule for a field, in Swedish.
fn rule_sv(field: &str) -> (&'static str, &'static str) {
    match field {
        "day" => ("dag", "får inte ligga i framtiden eller före 1990"),
        "discharged" => (
            "utskriven",
            "får inte vara före inskrivningsdagen eller i framtiden (lämna tomt medan vården pågår)",
        ),
        "answers" => ("svar", "ska ha minst en fråga besvarad och varje svar 1–5"),
        _ => ("utfall", "är inte giltigt"),
    }
}

/// `POST /client/{id}/outcomes`: records an outcome about a client the supervisor may see, in
/// the supervisor's record space, then back to the client page (post-redirect-get).
pub async fn record(
    State(state): State<AppState>,
    dash: Dash,
    Path(id): Path<String>,
    Form(f): Form<OutcomeForm>,
) -> DashResult<Response> {
    dash.require_supervisor()?;
    dash.check_csrf(f.csrf.as_deref())?;
    let v = dash.viewer();
    let id: Uuid = id.parse().map_err(|_| DashError::NotFound("client"))?;
    let row = state
        .store
        .record(Entity::Client, id)
        .await?
        .filter(|r| !r.deleted)
        .ok_or(DashError::NotFound("client"))?;
    let team: TeamId = row.team.ok_or(DashError::NotFound("client"))?;
    let facts = ClientFacts {
        team,
        org: row.org,
        consent_given: row.client_consent.unwrap_or(false),
    };
    // The same answer as for a client that does not exist: a hidden client stays hidden.
    if !access::may_see_client(&v, &facts) {
        return Err(DashError::NotFound("client"));
    }
    let day = date_of(f.day.as_deref(), "dag")?.ok_or_else(|| bad("dag", "saknas"))?;
    let source: Source = pick(f.source.as_deref(), "källa")?;
    let event = event_of(&f)?;
    let author: Username = dash
        .actor
        .staff
        .username
        .parse()
        .map_err(|_| DashError::Internal("a stored username does not parse".into()))?;
    let outcome = Outcome {
        id: OutcomeId::new(),
        client: ClientId::from(id),
        author,
        day,
        source,
        event,
    };
    if let Err(e) = outcome.validate(Utc::now()) {
        let (field, rule) = rule_sv(e.field);
        return Err(bad(field, rule));
    }
    let outcome_id = outcome.id.0;
    let write = RecordWrite {
        record: Record::Outcome(outcome),
        deleted: false,
        author: dash.actor.staff.id,
        org: dash.actor.staff.org,
        team: Some(team),
        device: None,
    };
    let mut tx = state.store.begin().await?;
    tx.upsert_record(&write).await?;
    tx.append_audit(&[AuditEntry {
        entity: Some(Entity::Outcome),
        client: Some(ClientId::from(id)),
        record: Some(outcome_id),
        team: Some(team),
        record_org: Some(dash.actor.staff.org),
        ..dash.audit(AuditAction::Create)
    }])
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/client/{id}#utfall")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tally(admissions: u32, inpatient_days: u32) -> Tally {
        Tally {
            admissions,
            compulsory: 0,
            inpatient_days,
            emergency_visits: 0,
        }
    }

    fn view(years: Vec<TeamYear>) -> OutcomesView {
        OutcomesView {
            today: NaiveDate::from_ymd_opt(2026, 12, 6).unwrap(),
            clients: 5,
            years,
            housing: None,
            occupation: None,
            satisfaction: Vec::new(),
            rows: Vec::new(),
        }
    }

    #[test]
    fn the_headline_is_the_first_year_and_only_when_it_is_shown() {
        let shown = view(vec![TeamYear {
            year: 1,
            clients: 4,
            before: Some(tally(6, 120)),
            after: Some(tally(2, 45)),
        }]);
        assert_eq!(
            first_year_headline(&shown),
            Some(("120 / 45".into(), "6 / 2".into()))
        );
        let withheld = view(vec![TeamYear {
            year: 1,
            clients: 2,
            before: None,
            after: None,
        }]);
        assert_eq!(first_year_headline(&withheld), None);
        assert!(!team_figures(&withheld, Lang::Sv).contains("outcomes-days"));
    }

    #[test]
    fn the_report_section_withholds_small_rows_and_names_no_client() {
        let v = OutcomesView {
            rows: vec![ClientRow {
                client: ClientId::new(),
                code: "K-042".into(),
                comparison: ClientComparison {
                    client: ClientId::new(),
                    admitted: NaiveDate::from_ymd_opt(2024, 3, 1).unwrap(),
                    before: tally(1, 10),
                    after: vec![tally(0, 0)],
                },
            }],
            ..view(vec![
                TeamYear {
                    year: 1,
                    clients: 4,
                    before: Some(tally(6, 120)),
                    after: Some(tally(2, 45)),
                },
                TeamYear {
                    year: 2,
                    clients: 2,
                    before: None,
                    after: None,
                },
            ])
        };
        let section = report_section(&v, Lang::Sv);
        assert_eq!(section.heading, "Utfall");
        let all = format!("{section:?}");
        assert!(!all.contains("K-042"), "no client in the report");
        let bars = section
            .blocks
            .iter()
            .find_map(|b| match b {
                Block::Bars { bars, .. } => Some(bars),
                _ => None,
            })
            .expect("a chart");
        let values: Vec<Option<f64>> = bars.iter().map(|b| b.value).collect();
        assert_eq!(values, [Some(120.0), Some(45.0), None, None]);
        assert_eq!(bars[2].shown, "färre än 3 klienter");
        assert!(section.blocks.contains(&Block::Figures(vec![
            ("Vårddygn före / första året".into(), "120 / 45".into()),
            ("Inskrivningar före / första året".into(), "6 / 2".into()),
        ])));
        // Housing and occupation with too few clients: said, not shown.
        assert!(all.contains("Boende: visas inte, färre än tre klienter."));
    }

    fn form(kind: &str) -> OutcomeForm {
        OutcomeForm {
            csrf: None,
            kind: Some(kind.into()),
            day: None,
            source: None,
            care: None,
            discharged: None,
            compulsory: None,
            housing: None,
            occupation: None,
            respondent: None,
            q1: None,
            q2: None,
            q3: None,
            q4: None,
        }
    }

    fn message(e: DashError) -> String {
        match e {
            DashError::BadRequest(m) => m,
            other => panic!("not a bad request: {other:?}"),
        }
    }

    #[test]
    fn the_form_becomes_the_event_its_kind_names() {
        let mut f = form("inpatient");
        f.care = Some("addiction".into());
        f.discharged = Some("2026-03-09".into());
        f.compulsory = Some("yes".into());
        f.housing = Some("own".into()); // not the kind's: ignored
        assert_eq!(
            event_of(&f).unwrap(),
            Event::Inpatient {
                care: Care::Addiction,
                discharged: NaiveDate::from_ymd_opt(2026, 3, 9),
                compulsory: true,
            }
        );
        let mut f = form("satisfaction");
        f.respondent = Some("relative".into());
        f.q1 = Some("4".into());
        f.q3 = Some(" 2 ".into());
        assert_eq!(
            event_of(&f).unwrap(),
            Event::Satisfaction {
                respondent: Respondent::Relative,
                answers: [Some(4), None, Some(2), None],
            }
        );
    }

    #[test]
    fn a_wrong_field_is_named_in_swedish() {
        assert_eq!(
            message(event_of(&form("flat")).unwrap_err()),
            "Fältet slag saknas eller har ett värde som inte finns i listan."
        );
        let mut f = form("inpatient");
        f.care = Some("psychiatric".into());
        f.discharged = Some("9 mars".into());
        assert_eq!(
            message(event_of(&f).unwrap_err()),
            "Fältet utskriven ska vara ett datum (ÅÅÅÅ-MM-DD)."
        );
        let mut f = form("satisfaction");
        f.respondent = Some("client".into());
        f.q2 = Some("fem".into());
        assert_eq!(
            message(event_of(&f).unwrap_err()),
            "Fältet fråga 2 ska vara 1–5."
        );
        assert_eq!(rule_sv("answers").0, "svar");
    }
}
