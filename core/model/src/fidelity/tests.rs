//! Tests of the fidelity indicators against examples counted by hand (the arithmetic is in the
//! comments), of the edge cases that must not divide by zero, and properties over random visits.

use super::*;
use crate::ids::VisitId;
use crate::visit::Setting;
use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;

fn user(s: &str) -> Username {
    Username::parse(s).unwrap()
}

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

/// 09:00 UTC = 10:00 in Kalix in November, the same calendar day.
fn at(m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, m, d, 9, 0, 0).unwrap()
}

fn client(id: ClientId, manager: &str) -> ClientInCare {
    ClientInCare {
        id,
        phase: Phase::Active,
        admitted: None,
        admission_estimated: false,
        closed: None,
        case_manager: Some(user(manager)),
        closure: None,
    }
}

/// A visit; `staff[0]` is the author.
fn visit(
    client: ClientId,
    start: DateTime<Utc>,
    staff: &[&str],
    contact: ContactKind,
    setting: Option<Setting>,
    minutes: u16,
    network: bool,
) -> Visit {
    Visit {
        id: VisitId::new(),
        client,
        author: user(staff[0]),
        staff: staff.iter().map(|s| user(s)).collect(),
        start,
        minutes,
        contact,
        setting,
        network,
        client_present: true,
        group: false,
        place: None,
        note: None,
    }
}

use ContactKind::{Attempted, FaceToFace, Message, Phone, Video};
use Setting::{Community, Home, Inpatient, Office};

/// Four weeks, Monday 2 November to Sunday 29 November 2026: 28 days, two whole fortnights.
fn november() -> Period {
    Period::new(day(11, 2), day(11, 29))
}

struct Example {
    staff: Vec<Username>,
    clients: Vec<ClientInCare>,
    visits: Vec<Visit>,
}

/// The worked example of the README section. Staff: anna, bo. Clients K1, K2 (anna's), K3 (bo's)
/// in care all period; K4 closed in October and K5 closed with no date are left out, and so
/// are their visits.
fn example() -> Example {
    let k = [ClientId::new(), ClientId::new(), ClientId::new()];
    let (k4, k5) = (ClientId::new(), ClientId::new());
    let mut clients = vec![
        client(k[0], "anna"),
        client(k[1], "anna"),
        client(k[2], "bo"),
    ];
    clients.push(ClientInCare {
        phase: Phase::Closed,
        closed: Some(day(10, 15)),
        ..client(k4, "bo")
    });
    clients.push(ClientInCare {
        phase: Phase::Closed,
        ..client(k5, "bo")
    });
    let v = visit;
    let visits = vec![
        // K1
        v(
            k[0],
            at(11, 3),
            &["anna", "bo"],
            FaceToFace,
            Some(Home),
            60,
            false,
        ),
        v(k[0], at(11, 5), &["anna"], Phone, None, 15, false),
        v(
            k[0],
            at(11, 10),
            &["anna"],
            FaceToFace,
            Some(Office),
            30,
            false,
        ),
        v(
            k[0],
            at(11, 12),
            &["anna"],
            Attempted,
            Some(Home),
            30,
            false,
        ),
        v(
            k[0],
            at(11, 24),
            &["bo"],
            FaceToFace,
            Some(Community),
            45,
            true,
        ),
        v(
            k[0],
            at(11, 25),
            &["anna"],
            FaceToFace,
            Some(Home),
            30,
            false,
        ),
        // K2
        v(k[1], at(11, 4), &["anna"], FaceToFace, Some(Home), 90, true),
        v(
            k[1],
            at(11, 18),
            &["anna"],
            FaceToFace,
            Some(Inpatient),
            60,
            false,
        ),
        v(k[1], at(11, 19), &["bo"], Video, None, 30, true),
        // K3
        v(k[2], at(11, 6), &["bo"], FaceToFace, Some(Home), 120, false),
        v(
            k[2],
            at(11, 9),
            &["anna"],
            FaceToFace,
            Some(Home),
            60,
            false,
        ),
        v(k[2], at(11, 20), &["bo"], Message, None, 5, false),
        v(k[2], at(11, 23), &["bo"], Attempted, None, 20, false),
        // Closed clients: ignored.
        v(k4, at(11, 5), &["bo"], FaceToFace, Some(Home), 60, true),
        v(k5, at(11, 5), &["bo"], FaceToFace, Some(Home), 60, true),
        // Not a client of this team: ignored.
        v(
            ClientId::new(),
            at(11, 5),
            &["bo"],
            FaceToFace,
            Some(Home),
            60,
            true,
        ),
        // Outside the period: 1 November and 30 November.
        v(k[0], at(11, 1), &["anna"], FaceToFace, Some(Home), 60, true),
        v(
            k[0],
            at(11, 30),
            &["anna"],
            FaceToFace,
            Some(Home),
            60,
            true,
        ),
    ];
    Example {
        staff: vec![user("anna"), user("bo")],
        clients,
        visits,
    }
}

fn report(e: &Example, period: Period) -> FidelityReport {
    compute(&FidelityInput {
        staff_exits: 0,
        min_clients: 1,
        period,
        staff: &e.staff,
        clients: &e.clients,
        visits: &e.visits,
    })
}

fn value(r: &FidelityReport, id: IndicatorId) -> Option<f64> {
    r.indicator(id).unwrap().value
}

fn rating(r: &FidelityReport, id: IndicatorId) -> Option<u8> {
    r.indicator(id).unwrap().rating.map(Rating::get)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn worked_example_counts() {
    let r = report(&example(), november());
    let c = &r.counts;
    // 3 clients × 28 days = 84 client-days; K4 and K5 closed, so not counted.
    assert_eq!(c.clients_in_period, 3);
    assert_eq!(c.clients_at_end, 3);
    assert_eq!(c.client_days, 84);
    // Reached: K1 4 face-to-face + 1 phone = 5; K2 2 + video = 3; K3 2 + message = 3 → 11.
    assert_eq!(c.reached, 11);
    // Face to face: K1 3/11 (two staff: ONE contact), 10/11, 24/11, 25/11 = 4; K2 2; K3 2 → 8.
    assert_eq!(c.face_to_face, 8);
    // Attempts: K1 12/11, K3 23/11 → 2, and they are not contacts.
    assert_eq!(c.attempts, 2);
    // Minutes face to face: K1 60+30+45+30 = 165; K2 90+60 = 150; K3 120+60 = 180 → 495
    // (the two-staff visit's 60 minutes counted once).
    assert_eq!(c.face_to_face_minutes, 495);
    // Home/community: K1 3/11, 24/11, 25/11 (office 10/11 not) = 3; K2 4/11 (ward not) = 1;
    // K3 both = 2 → 6.
    assert_eq!(c.in_community, 6);
    // Network, reached only: K1 24/11; K2 4/11 and the video 19/11 → 3.
    assert_eq!(c.network, 3);
}

#[test]
fn worked_example_indicators() {
    let r = report(&example(), november());
    use IndicatorId::*;
    // Caseload: 3 clients in care on 29/11 ÷ 2 staff = 1.5 → ≤ 10 → 5.
    assert!(close(value(&r, Caseload).unwrap(), 1.5));
    assert_eq!(rating(&r, Caseload), Some(5));
    // Frequency: 8 face-to-face ÷ (84 / 7 = 12 client-weeks) = 0.6667 → < 1 → 1.
    assert!(close(value(&r, ContactFrequency).unwrap(), 8.0 / 12.0));
    assert_eq!(rating(&r, ContactFrequency), Some(1));
    // Hours: 495 min / 60 = 8.25 h ÷ 12 = 0.6875 h = 41.25 min/week → 15–49 min → 2.
    assert!(close(value(&r, ContactHours).unwrap(), 0.6875));
    assert_eq!(rating(&r, ContactHours), Some(2));
    // Community: 6 ÷ 8 = 0.75 → 60–79 % → 4.
    assert!(close(value(&r, InCommunity).unwrap(), 0.75));
    assert_eq!(rating(&r, InCommunity), Some(4));
    // Network: 3 ÷ (84 / 30.4375 = 2.7598 client-months) = 3 × 30.4375 / 84 = 1.0871 → 1–2 → 3.
    assert!(close(
        value(&r, NetworkContacts).unwrap(),
        3.0 * 30.4375 / 84.0
    ));
    assert_eq!(rating(&r, NetworkContacts), Some(3));
    // Team approach, windows back from 29/11: A = 2/11–15/11, B = 16/11–29/11.
    //   A: K1 met anna+bo on 3/11 (one joint visit: both count) → yes; K2 only anna → no;
    //      K3 bo 6/11 and anna 9/11 → yes. 2/3.
    //   B: K1 bo 24/11, anna 25/11 → yes; K2 anna face to face, bo only by video → no;
    //      K3 no face-to-face (message, attempt) → no. 1/3.
    //   Mean (2/3 + 1/3) / 2 = 0.5 → 37–63 % → 3.
    assert!(close(value(&r, TeamApproach).unwrap(), 0.5));
    assert_eq!(rating(&r, TeamApproach), Some(3));
    for i in r.indicators.iter().filter(|i| !i.id.is_program_item()) {
        assert_eq!(i.missing, None, "{}", i.id);
    }
    // Over the 12 months up to 29/11: K1–K3 in care, K4 closed 15/10 without a coded reason
    // (read as other: a drop-out), K5 closed before any window → 4 clients, 1 drop-out.
    assert!(close(value(&r, Retention).unwrap(), 0.75));
    assert_eq!(rating(&r, Retention), Some(3));
    // No one left as done: 0 / 4 → ≤ 5 % → 5.
    assert!(close(value(&r, TimeUnlimited).unwrap(), 0.0));
    assert_eq!(rating(&r, TimeUnlimited), Some(5));
    // No staff left: 0 / 2 → 5.
    assert_eq!(rating(&r, StaffContinuity), Some(5));
    // No admission date was given: the intake rate cannot be computed.
    assert_eq!(
        r.indicator(IntakeRate).unwrap().missing,
        Some(Missing::NoConfirmedAdmissions)
    );
    assert!(
        r.indicators
            .iter()
            .filter(|i| i.id.is_program_item())
            .all(|i| i.trend.is_empty())
    );
}

#[test]
fn worked_example_trends() {
    let r = report(&example(), november());
    let freq = &r.indicator(IndicatorId::ContactFrequency).unwrap().trend;
    // Weeks Mon–Sun, 3 client-weeks each. Face to face: W1 3/11, 4/11, 6/11 = 3 → 1.0;
    // W2 9/11, 10/11 = 2; W3 18/11 = 1; W4 24/11, 25/11 = 2 → 0.667, 0.333, 0.667.
    let got: Vec<f64> = freq.iter().map(|p| p.value.unwrap()).collect();
    let want = [1.0, 2.0 / 3.0, 1.0 / 3.0, 2.0 / 3.0];
    assert_eq!(got.len(), 4);
    assert!(got.iter().zip(want).all(|(g, w)| close(*g, w)), "{got:?}");
    assert_eq!(freq[0].first, day(11, 2));
    assert_eq!(freq[3].last, day(11, 29));
    assert_eq!(freq[0].rating.map(Rating::get), Some(2));
    let team = &r.indicator(IndicatorId::TeamApproach).unwrap().trend;
    assert_eq!(team.len(), 2);
    assert_eq!((team[0].first, team[0].last), (day(11, 2), day(11, 15)));
    assert!(close(team[0].value.unwrap(), 2.0 / 3.0));
    assert!(close(team[1].value.unwrap(), 1.0 / 3.0));
    let caseload = &r.indicator(IndicatorId::Caseload).unwrap().trend;
    assert!(caseload.iter().all(|p| p.value == Some(1.5)));
}

#[test]
fn per_staff_caseload_and_unassigned() {
    let mut e = example();
    e.clients[2].case_manager = Some(user("cecilia")); // not on the staff list
    let r = report(&e, november());
    let got: Vec<(&str, usize)> = r
        .caseloads
        .iter()
        .map(|c| (c.staff.as_str(), c.clients))
        .collect();
    assert_eq!(got, [("anna", 2), ("bo", 0)]);
    assert_eq!(r.unassigned, 1);
}

#[test]
fn a_two_staff_visit_is_one_contact_but_two_for_the_team() {
    let k = ClientId::new();
    let staff = [user("anna"), user("bo")];
    let clients = [client(k, "anna")];
    let period = Period::new(day(11, 16), day(11, 29));
    let joint = [visit(
        k,
        at(11, 17),
        &["anna", "bo"],
        FaceToFace,
        Some(Home),
        60,
        false,
    )];
    let r = compute(&FidelityInput {
        staff_exits: 0,
        min_clients: 1,
        period,
        staff: &staff,
        clients: &clients,
        visits: &joint,
    });
    // 1 contact ÷ 2 client-weeks = 0.5; 60 min once = 1 h ÷ 2 = 0.5 h.
    assert_eq!(r.counts.face_to_face, 1);
    assert!(close(
        value(&r, IndicatorId::ContactFrequency).unwrap(),
        0.5
    ));
    assert!(close(value(&r, IndicatorId::ContactHours).unwrap(), 0.5));
    // Two staff met the client in the one window → 1/1.
    assert_eq!(value(&r, IndicatorId::TeamApproach), Some(1.0));
    // The same person twice is still one.
    let twice = [
        visit(k, at(11, 17), &["anna"], FaceToFace, Some(Home), 60, false),
        visit(k, at(11, 18), &["anna"], FaceToFace, Some(Home), 60, false),
    ];
    let r = compute(&FidelityInput {
        staff_exits: 0,
        min_clients: 1,
        visits: &twice,
        period,
        staff: &staff,
        clients: &clients,
    });
    assert_eq!(value(&r, IndicatorId::TeamApproach), Some(0.0));
    assert_eq!(rating(&r, IndicatorId::TeamApproach), Some(1));
}

#[test]
fn phone_video_and_message_are_not_face_to_face() {
    let k = ClientId::new();
    let staff = [user("anna"), user("bo")];
    let clients = [client(k, "anna")];
    let visits = [
        visit(k, at(11, 17), &["anna"], Phone, None, 20, false),
        visit(k, at(11, 18), &["bo"], Video, None, 20, false),
        visit(k, at(11, 19), &["anna"], Message, None, 1, false),
    ];
    let r = compute(&FidelityInput {
        staff_exits: 0,
        min_clients: 1,
        period: Period::new(day(11, 16), day(11, 29)),
        staff: &staff,
        clients: &clients,
        visits: &visits,
    });
    assert_eq!(r.counts.reached, 3);
    assert_eq!(r.counts.face_to_face, 0);
    assert_eq!(value(&r, IndicatorId::ContactFrequency), Some(0.0));
    assert_eq!(value(&r, IndicatorId::ContactHours), Some(0.0));
    // No meeting to take a share of: no value rather than 0 % or NaN.
    let community = r.indicator(IndicatorId::InCommunity).unwrap();
    assert_eq!(community.value, None);
    assert_eq!(community.rating, None);
    assert_eq!(community.missing, Some(Missing::NoFaceToFaceContacts));
    // Two staff reached the client, but not face to face: DACTS H2 asks for face to face.
    assert_eq!(value(&r, IndicatorId::TeamApproach), Some(0.0));
}

#[test]
fn mid_period_admission_and_closure_weigh_their_days_only() {
    let (a, b) = (ClientId::new(), ClientId::new());
    let staff = [user("anna")];
    let clients = [
        // In care 16/11–29/11: 14 days.
        ClientInCare {
            admitted: Some(day(11, 16)),
            ..client(a, "anna")
        },
        // In care 2/11–8/11: 7 days (closed 8/11, still in care that day).
        ClientInCare {
            phase: Phase::Closed,
            closed: Some(day(11, 8)),
            ..client(b, "anna")
        },
    ];
    let visits = [
        // Before admission: not counted.
        visit(a, at(11, 10), &["anna"], FaceToFace, Some(Home), 60, false),
        visit(a, at(11, 16), &["anna"], FaceToFace, Some(Home), 60, false),
        visit(
            a,
            at(11, 20),
            &["anna"],
            FaceToFace,
            Some(Office),
            60,
            false,
        ),
        visit(b, at(11, 8), &["anna"], FaceToFace, Some(Home), 60, false),
        // After closing: not counted.
        visit(b, at(11, 9), &["anna"], FaceToFace, Some(Home), 60, false),
    ];
    let r = compute(&FidelityInput {
        staff_exits: 0,
        min_clients: 1,
        period: november(),
        staff: &staff,
        clients: &clients,
        visits: &visits,
    });
    // 14 + 7 = 21 client-days = 3 client-weeks; 3 contacts → 1.0 per week.
    assert_eq!(r.counts.client_days, 21);
    assert_eq!(r.counts.face_to_face, 3);
    assert!(close(
        value(&r, IndicatorId::ContactFrequency).unwrap(),
        1.0
    ));
    // Only `a` is in care on 29/11: caseload 1 ÷ 1.
    assert_eq!(r.counts.clients_at_end, 1);
    assert_eq!(value(&r, IndicatorId::Caseload), Some(1.0));
    // Team approach: window 2/11–15/11 has nobody in care all 14 days → no share; window
    // 16/11–29/11 has `a` (anna only) → 0. Mean over windows with a share: 0.
    let team = r.indicator(IndicatorId::TeamApproach).unwrap();
    assert_eq!(team.trend[0].value, None);
    assert_eq!(team.value, Some(0.0));
}

#[test]
fn empty_team_and_period_give_reasons_not_nan() {
    let none: [Visit; 0] = [];
    let r = compute(&FidelityInput {
        staff_exits: 0,
        min_clients: 1,
        period: november(),
        staff: &[],
        clients: &[],
        visits: &none,
    });
    let missing = |id| r.indicator(id).unwrap().missing;
    assert_eq!(missing(IndicatorId::Caseload), Some(Missing::NoStaff));
    assert_eq!(
        missing(IndicatorId::ContactFrequency),
        Some(Missing::NoClientsInCare)
    );
    assert_eq!(
        missing(IndicatorId::ContactHours),
        Some(Missing::NoClientsInCare)
    );
    assert_eq!(
        missing(IndicatorId::NetworkContacts),
        Some(Missing::NoClientsInCare)
    );
    assert_eq!(
        missing(IndicatorId::InCommunity),
        Some(Missing::NoFaceToFaceContacts)
    );
    assert_eq!(
        missing(IndicatorId::TeamApproach),
        Some(Missing::NoClientsInCare)
    );
    for i in &r.indicators {
        assert_eq!((i.value, i.rating), (None, None), "{}", i.id);
        assert!(i.trend.iter().all(|p| p.value.is_none_or(f64::is_finite)));
    }
    assert!(r.caseloads.is_empty());

    let e = example();
    let backwards = report(&e, Period::new(day(11, 29), day(11, 2)));
    for i in &backwards.indicators {
        assert_eq!(i.missing, Some(Missing::EmptyPeriod), "{}", i.id);
        assert!(i.trend.is_empty());
    }
    let short = report(&e, Period::new(day(11, 2), day(11, 14)));
    assert_eq!(
        short.indicator(IndicatorId::TeamApproach).unwrap().missing,
        Some(Missing::PeriodShorterThanTwoWeeks)
    );
    // A team with staff but no clients has a caseload of 0, which meets the target.
    let r = compute(&FidelityInput {
        staff_exits: 0,
        min_clients: 1,
        period: november(),
        staff: &e.staff,
        clients: &[],
        visits: &none,
    });
    assert_eq!(value(&r, IndicatorId::Caseload), Some(0.0));
}

#[test]
fn a_visit_counts_on_its_swedish_day() {
    let k = ClientId::new();
    let staff = [user("anna")];
    let clients = [client(k, "anna")];
    // 29/11 23:30 UTC is 30/11 00:30 in Sweden (UTC+1): outside November's last day.
    let late = Utc.with_ymd_and_hms(2026, 11, 29, 23, 30, 0).unwrap();
    // 1/11 23:30 UTC is 2/11 00:30 in Sweden: inside.
    let early = Utc.with_ymd_and_hms(2026, 11, 1, 23, 30, 0).unwrap();
    let visits = [
        visit(k, late, &["anna"], FaceToFace, Some(Home), 60, false),
        visit(k, early, &["anna"], FaceToFace, Some(Home), 60, false),
    ];
    let r = compute(&FidelityInput {
        staff_exits: 0,
        min_clients: 1,
        period: november(),
        staff: &staff,
        clients: &clients,
        visits: &visits,
    });
    assert_eq!(r.counts.face_to_face, 1);
}

#[test]
fn swedish_date_follows_summer_time() {
    let t = |y, m, d, h, min| Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap();
    // Summer (UTC+2): 30/6 22:30 UTC = 1/7 00:30.
    assert_eq!(swedish_date(t(2026, 6, 30, 22, 30)), day(7, 1));
    // Winter (UTC+1): 30/12 22:30 UTC = 23:30 the same day.
    assert_eq!(swedish_date(t(2026, 12, 30, 22, 30)), day(12, 30));
    // 2026: summer time from Sunday 29/3 01:00 UTC to Sunday 25/10 01:00 UTC.
    assert_eq!(swedish_date(t(2026, 3, 28, 22, 30)), day(3, 28)); // +1 → 23:30
    assert_eq!(swedish_date(t(2026, 3, 29, 22, 30)), day(3, 30)); // +2 → 00:30
    assert_eq!(swedish_date(t(2026, 10, 24, 22, 30)), day(10, 25)); // +2 → 00:30
    assert_eq!(swedish_date(t(2026, 10, 25, 22, 30)), day(10, 25)); // +1 → 23:30
}

#[test]
fn swedish_time_is_the_wall_clock() {
    let t = |y, m, d, h, min| Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap();
    let wall = |m, d, h, min| day(m, d).and_hms_opt(h, min, 0).unwrap();
    // The hour before and after the spring switch (29/3 2026, 01:00 UTC).
    assert_eq!(swedish_time(t(2026, 3, 29, 0, 59)), wall(3, 29, 1, 59));
    assert_eq!(swedish_time(t(2026, 3, 29, 1, 0)), wall(3, 29, 3, 0));
    // Autumn: 02:59 summer time is followed by 02:00 winter time.
    assert_eq!(swedish_time(t(2026, 10, 25, 0, 59)), wall(10, 25, 2, 59));
    assert_eq!(swedish_time(t(2026, 10, 25, 1, 0)), wall(10, 25, 2, 0));
    assert_eq!(swedish_time(t(2026, 12, 4, 7, 5)), wall(12, 4, 8, 5));
}

#[test]
fn weeks_and_fortnights() {
    // Wednesday 4/11 to Tuesday 17/11: 3 clipped weeks, 1 fortnight exactly.
    let p = Period::new(day(11, 4), day(11, 17));
    let w = p.weeks();
    assert_eq!(
        w.iter().map(|w| (w.first, w.last)).collect::<Vec<_>>(),
        [
            (day(11, 4), day(11, 8)),
            (day(11, 9), day(11, 15)),
            (day(11, 16), day(11, 17))
        ]
    );
    assert_eq!(p.fortnights(), [p]);
    // 30 days: two fortnights counted back from the end, the first two days unused.
    let p = Period::new(day(11, 1), day(11, 30));
    let f = p.fortnights();
    assert_eq!(f.len(), 2);
    assert_eq!((f[0].first, f[1].last), (day(11, 3), day(11, 30)));
    assert!(Period::new(day(11, 2), day(11, 1)).weeks().is_empty());
}

#[test]
fn anchors_match_dacts_bands() {
    let r = |id: IndicatorId, v: f64| id.anchors().rate(v).map(Rating::get);
    use IndicatorId::*;
    // H1: ≤ 10 → 5, 11–20 → 4, 21–34 → 3, 35–49 → 2, ≥ 50 → 1.
    for (v, want) in [
        (0.0, 5),
        (10.0, 5),
        (10.5, 4),
        (20.0, 4),
        (21.0, 3),
        (34.0, 3),
        (35.0, 2),
        (49.0, 2),
        (50.0, 1),
    ] {
        assert_eq!(r(Caseload, v), Some(want), "caseload {v}");
    }
    // H2: < 10 % → 1, 10–36 → 2, 37–63 → 3, 64–89 → 4, ≥ 90 → 5.
    for (v, want) in [
        (0.0, 1),
        (0.099, 1),
        (0.10, 2),
        (0.36, 2),
        (0.37, 3),
        (0.63, 3),
        (0.64, 4),
        (0.89, 4),
        (0.90, 5),
        (1.0, 5),
    ] {
        assert_eq!(r(TeamApproach, v), Some(want), "team {v}");
    }
    // S4 in minutes/week: 14 → 1, 15 → 2, 49 → 2, 50 → 3, 85 → 4, 119 → 4, 120 → 5.
    for (min, want) in [
        (14.0, 1),
        (15.0, 2),
        (49.0, 2),
        (50.0, 3),
        (85.0, 4),
        (119.0, 4),
        (120.0, 5),
    ] {
        assert_eq!(r(ContactHours, min / 60.0), Some(want), "hours {min} min");
    }
    // S5: 0.99 → 1, 1 → 2, 3.99 → 4, 4 → 5. S1: 0.79 → 4, 0.8 → 5. S6: 0.49 → 1, 3.5 → 4, 4 → 5.
    assert_eq!(r(ContactFrequency, 0.99), Some(1));
    assert_eq!(r(ContactFrequency, 1.0), Some(2));
    assert_eq!(r(ContactFrequency, 3.99), Some(4));
    assert_eq!(r(ContactFrequency, 4.0), Some(5));
    assert_eq!(r(InCommunity, 0.79), Some(4));
    assert_eq!(r(InCommunity, 0.8), Some(5));
    assert_eq!(r(NetworkContacts, 0.49), Some(1));
    assert_eq!(r(NetworkContacts, 3.5), Some(4));
    assert_eq!(r(NetworkContacts, 4.0), Some(5));
    assert_eq!(r(Caseload, f64::NAN), None);
    // S2 retention: < 50 % → 1, 50–64 → 2, 65–79 → 3, 80–94 → 4, ≥ 95 → 5.
    for (v, want) in [
        (0.49, 1),
        (0.5, 2),
        (0.79, 3),
        (0.8, 4),
        (0.94, 4),
        (0.95, 5),
    ] {
        assert_eq!(r(Retention, v), Some(want), "retention {v}");
    }
    // O2 highest monthly intake: ≤ 6 → 5, 7–9 → 4, 10–12 → 3, 13–14 → 2, ≥ 15 → 1.
    for (v, want) in [
        (6.0, 5),
        (7.0, 4),
        (9.0, 4),
        (10.0, 3),
        (12.0, 3),
        (13.0, 2),
        (14.0, 2),
        (15.0, 1),
    ] {
        assert_eq!(r(IntakeRate, v), Some(want), "intake {v}");
    }
    // O7 left as done in a year: ≤ 5 % → 5, … > 90 % → 1.
    for (v, want) in [
        (0.0, 5),
        (0.05, 5),
        (0.06, 4),
        (0.2, 3),
        (0.5, 2),
        (0.91, 1),
    ] {
        assert_eq!(r(TimeUnlimited, v), Some(want), "time-unlimited {v}");
    }
    // H5 turnover in two years: < 20 % → 5 (read as ≤), 20–39 → 4, 40–59 → 3, 60–80 → 2, > 80 → 1.
    for (v, want) in [(0.0, 5), (0.25, 4), (0.5, 3), (0.75, 2), (0.81, 1)] {
        assert_eq!(r(StaffContinuity, v), Some(want), "turnover {v}");
    }
    // Targets as the issue states them.
    let targets: Vec<f64> = IndicatorId::ALL.iter().map(|i| i.target()).collect();
    assert_eq!(
        targets,
        [10.0, 4.0, 2.0, 0.8, 0.9, 4.0, 0.95, 6.0, 0.05, 0.20]
    );
    // The DACTS numbering of the nature-of-services items.
    let items: Vec<&str> = IndicatorId::ALL.iter().map(|i| i.dacts_item()).collect();
    assert_eq!(
        items,
        ["H1", "S5", "S4", "S1", "H2", "S6", "S2", "O2", "O7", "H5"]
    );
    // The printed bands agree with the rating.
    for id in IndicatorId::ALL {
        let a = id.anchors();
        for (i, (lo, hi)) in a.bands().into_iter().enumerate() {
            let mid = match (lo, hi) {
                (Some(l), Some(h)) => (l + h) / 2.0,
                (None, Some(h)) => h - 0.01,
                (Some(l), None) => l + 0.01,
                (None, None) => unreachable!(),
            };
            let mid = if a.direction == Direction::AtMost && hi.is_none() {
                mid + 1.0
            } else {
                mid
            };
            assert_eq!(
                a.rate(mid).map(Rating::get),
                Some(i as u8 + 1),
                "{id} band {i}"
            );
        }
    }
}

#[test]
fn texts_are_in_both_languages() {
    for id in IndicatorId::ALL {
        for t in [id.label(), id.definition(), id.unit()] {
            assert!(!t.sv.is_empty() && !t.en.is_empty() && t.sv != t.en, "{id}");
            assert_eq!(t.get(Lang::Sv), t.sv);
        }
    }
    let json = serde_json::to_value(report(&example(), november())).unwrap();
    assert_eq!(json["indicators"][0]["id"], "caseload");
    assert_eq!(json["indicators"][0]["rating"], 5);
    assert_eq!(json["indicators"][0]["dacts_item"], "H1");
    assert!(
        json["indicators"][3]["definition"]["sv"]
            .as_str()
            .unwrap()
            .contains("hemmet")
    );
}

// ---- overview ----

fn overview_example() -> (Vec<ClientId>, Vec<Visit>) {
    let k: Vec<ClientId> = (0..4).map(|_| ClientId::new()).collect();
    let v = visit;
    let visits = vec![
        // k0: face to face 20/11, phone 27/11, failed attempt 28/11.
        v(
            k[0],
            at(11, 20),
            &["anna"],
            FaceToFace,
            Some(Home),
            60,
            false,
        ),
        v(k[0], at(11, 27), &["anna"], Phone, None, 10, false),
        v(
            k[0],
            at(11, 28),
            &["anna"],
            Attempted,
            Some(Home),
            10,
            false,
        ),
        // k1: face to face 10/11, two failed attempts 25/11 and 27/11.
        v(k[1], at(11, 10), &["bo"], FaceToFace, Some(Home), 60, false),
        v(k[1], at(11, 25), &["bo"], Attempted, Some(Home), 10, false),
        v(
            k[1],
            at(11, 27),
            &["anna", "bo"],
            Attempted,
            Some(Home),
            10,
            false,
        ),
        // k2: face to face 12/11, nothing since.
        v(
            k[2],
            at(11, 12),
            &["bo"],
            FaceToFace,
            Some(Office),
            60,
            false,
        ),
        // k3: never reached, one attempt long ago (1/9).
        v(k[3], at(9, 1), &["bo"], Attempted, Some(Home), 10, false),
        // After today: ignored.
        v(k[2], at(12, 1), &["bo"], FaceToFace, Some(Home), 60, false),
    ];
    (k, visits)
}

#[test]
fn overview_days_since_and_not_reached() {
    let (k, visits) = overview_example();
    let today = day(11, 29);
    let opts = OverviewOptions::default();
    let o = client_overview(&k, &visits, today, &opts);
    // k0: last face to face 20/11 → 9 days; reached by phone 27/11 → 2 days; attempt 28/11
    // after the phone call → 1 attempt since reached. Reached within 7 days → not flagged.
    assert_eq!(o[0].days_since_face_to_face, Some(9));
    assert_eq!(o[0].days_since_reached, Some(2));
    assert_eq!(o[0].days_since_attempt, Some(1));
    assert_eq!(o[0].attempts_since_reached, 1);
    assert!(!o[0].not_reached);
    // k1: reached 10/11 → 19 days; attempts 25/11 and 27/11 are both in the last 7 days
    // (23/11–29/11) → flagged, with 2 failed attempts.
    assert_eq!(o[1].days_since_reached, Some(19));
    assert_eq!(o[1].recent_attempts, 2);
    assert!(o[1].not_reached);
    // k2: 17 days, nobody tried. k3: never reached; its attempt is 89 days old.
    assert_eq!(o[2].days_since_reached, Some(17));
    assert!(o[2].not_reached && o[2].recent_attempts == 0);
    assert_eq!(o[3].days_since_reached, None);
    assert_eq!(o[3].attempts_since_reached, 1);
    assert!(o[3].not_reached && o[3].recent_attempts == 0);

    let lists = not_reached(&o, &opts);
    // Not tried: never reached first, then the longest since.
    assert_eq!(
        lists.not_tried.iter().map(|r| r.client).collect::<Vec<_>>(),
        [k[3], k[2]]
    );
    assert_eq!(
        lists
            .failed_attempts
            .iter()
            .map(|r| r.client)
            .collect::<Vec<_>>(),
        [k[1]]
    );
    assert_eq!(lists.days, 7);

    // Face to face only: k0's phone call no longer counts; 9 days ≥ 7 → flagged, and its
    // attempt 28/11 is a recent failed attempt.
    let f2f = OverviewOptions {
        face_to_face_only: true,
        ..opts
    };
    let o = client_overview(&k, &visits, today, &f2f);
    assert!(o[0].not_reached);
    assert_eq!(o[0].days_since_reached, Some(9));
    // N = 20: k1 (19 days) and k2 (17) are within; k3 never reached stays flagged.
    let wide = OverviewOptions {
        not_reached_days: 20,
        ..opts
    };
    let o = client_overview(&k, &visits, today, &wide);
    let flagged: Vec<bool> = o.iter().map(|c| c.not_reached).collect();
    assert_eq!(flagged, [false, false, false, true]);
    // Exactly N days ago is outside the last N days: k2 at N = 17 is flagged, at 18 not.
    let at_n = |n| {
        let opts = OverviewOptions {
            not_reached_days: n,
            ..opts
        };
        client_overview(&k, &visits, today, &opts)[2].not_reached
    };
    assert!(at_n(17));
    assert!(!at_n(18));
}

#[test]
fn overview_weekly_series() {
    let (k, visits) = overview_example();
    let o = client_overview(&k, &visits, day(11, 29), &OverviewOptions::default());
    let w = &o[0].weeks;
    assert_eq!(w.len(), 12);
    // Rolling weeks ending today: the last is 23/11–29/11, the one before 16/11–22/11.
    assert_eq!((w[11].first, w[11].last), (day(11, 23), day(11, 29)));
    assert_eq!((w[10].first, w[10].last), (day(11, 16), day(11, 22)));
    assert_eq!(w[0].first, day(9, 7));
    // k0: last week phone 27/11 (reached) + attempt 28/11; the week before face to face 20/11.
    assert_eq!(
        (w[11].reached, w[11].face_to_face, w[11].attempts),
        (1, 0, 1)
    );
    assert_eq!(
        (w[10].reached, w[10].face_to_face, w[10].attempts),
        (1, 1, 0)
    );
    // 4 weeks: 2 reached ÷ 4 = 0.5; 12 weeks: 2 ÷ 12.
    assert_eq!(o[0].last_weeks(4).len(), 4);
    assert_eq!(o[0].contacts_per_week(4), Some(0.5));
    assert!(close(o[0].contacts_per_week(12).unwrap(), 2.0 / 12.0));
    assert_eq!(o[0].face_to_face_per_week(4), Some(0.25));
    assert_eq!(o[0].contacts_per_week(0), None);
    // k1's joint failed attempt is one attempt; k3's attempt on 1/9 is before the 12 weeks.
    assert_eq!(o[1].weeks[11].attempts, 2);
    assert!(o[3].weeks.iter().all(|w| w.attempts == 0));
    // k2: 12/11 counts; the visit on 1/12, after today, is in no week.
    assert_eq!(o[2].weeks.iter().map(|w| w.reached).sum::<u32>(), 1);
}

// ---- properties ----

fn arb_visit(clients: Vec<ClientId>) -> impl Strategy<Value = Visit> {
    let staff = ["anna", "bo", "cecilia", "david"];
    (
        prop::sample::select(clients),
        0i64..(40 * 24),
        prop::sample::subsequence(staff.to_vec(), 1..=3),
        prop::sample::select(ContactKind::ALL.to_vec()),
        prop::option::of(prop::sample::select(Setting::ALL.to_vec())),
        1u16..300,
        any::<bool>(),
    )
        .prop_map(
            |(client, hours, staff, contact, setting, minutes, network)| {
                let start =
                    Utc.with_ymd_and_hms(2026, 10, 28, 0, 0, 0).unwrap() + Duration::hours(hours);
                visit(client, start, &staff, contact, setting, minutes, network)
            },
        )
}

fn arb_case() -> impl Strategy<Value = (Vec<ClientInCare>, Vec<Visit>, Visit, Period, usize)> {
    (1usize..6, 0usize..5, 0i64..40, 0i64..40).prop_flat_map(|(n, n_staff, a, b)| {
        let ids: Vec<ClientId> = (0..n).map(|_| ClientId::new()).collect();
        let clients = prop::collection::vec((any::<bool>(), 0i64..40, 0i64..40, any::<bool>()), n)
            .prop_map({
                let ids = ids.clone();
                move |flags| {
                    ids.iter()
                        .zip(flags)
                        .map(|(&id, (closed, adm, cl, undated))| ClientInCare {
                            id,
                            phase: if closed { Phase::Closed } else { Phase::Active },
                            admitted: Some(day(10, 25) + Duration::days(adm)),
                            closed: (closed && !undated).then(|| day(10, 25) + Duration::days(cl)),
                            case_manager: Some(user("anna")),
                            admission_estimated: false,
                            closure: None,
                        })
                        .collect::<Vec<_>>()
                }
            });
        let first = day(10, 28) + Duration::days(a.min(b));
        let last = day(10, 28) + Duration::days(a.max(b));
        (
            clients,
            prop::collection::vec(arb_visit(ids.clone()), 0..40),
            arb_visit(ids),
            Just(Period::new(first, last)),
            Just(n_staff),
        )
    })
}

const STAFF: [&str; 4] = ["anna", "bo", "cecilia", "david"];

fn run(
    clients: &[ClientInCare],
    visits: &[Visit],
    period: Period,
    n_staff: usize,
) -> FidelityReport {
    let staff: Vec<Username> = STAFF[..n_staff].iter().map(|s| user(s)).collect();
    compute(&FidelityInput {
        staff_exits: 0,
        min_clients: 1,
        period,
        staff: &staff,
        clients,
        visits,
    })
}

proptest! {
    #[test]
    fn ratings_are_on_the_scale(v in prop::num::f64::ANY) {
        for id in IndicatorId::ALL {
            match id.anchors().rate(v) {
                Some(r) => prop_assert!((1..=5).contains(&r.get())),
                None => prop_assert!(!v.is_finite()),
            }
        }
    }

    #[test]
    fn ratings_are_monotonic(a in -10.0f64..100.0, b in -10.0f64..100.0) {
        let (lo, hi) = (a.min(b), a.max(b));
        for id in IndicatorId::ALL {
            let anchors = id.anchors();
            let (rl, rh) = (anchors.rate(lo).unwrap(), anchors.rate(hi).unwrap());
            match anchors.direction {
                Direction::AtLeast => prop_assert!(rl <= rh),
                Direction::AtMost => prop_assert!(rl >= rh),
            }
        }
    }

    #[test]
    fn values_are_finite_shares_in_0_1_ratings_1_5((clients, visits, _extra, period, n_staff) in arb_case()) {
        let r = run(&clients, &visits, period, n_staff);
        for i in &r.indicators {
            let points = i.trend.iter().map(|p| (p.value, p.rating)).chain([(i.value, i.rating)]);
            for (v, rating) in points {
                prop_assert_eq!(v.is_some(), rating.is_some());
                if let Some(v) = v {
                    prop_assert!(v.is_finite() && v >= 0.0, "{} {}", i.id, v);
                    if matches!(i.id, IndicatorId::InCommunity | IndicatorId::TeamApproach) {
                        prop_assert!(v <= 1.0, "{} {}", i.id, v);
                    }
                }
                if let Some(r) = rating {
                    prop_assert!((1..=5).contains(&r.get()));
                }
            }
            prop_assert_eq!(i.value.is_none(), i.missing.is_some());
        }
        prop_assert!(r.counts.in_community <= r.counts.face_to_face);
        prop_assert!(r.counts.face_to_face <= r.counts.reached);
    }

    #[test]
    fn adding_a_visit_never_lowers_counts((clients, mut visits, extra, period, n_staff) in arb_case()) {
        let before = run(&clients, &visits, period, n_staff).counts;
        let ids: Vec<ClientId> = clients.iter().map(|c| c.id).collect();
        let today = day(12, 10);
        let ob = client_overview(&ids, &visits, today, &OverviewOptions::default());
        visits.push(extra);
        let after = run(&clients, &visits, period, n_staff).counts;
        prop_assert!(after.reached >= before.reached);
        prop_assert!(after.face_to_face >= before.face_to_face);
        prop_assert!(after.in_community >= before.in_community);
        prop_assert!(after.face_to_face_minutes >= before.face_to_face_minutes);
        prop_assert!(after.network >= before.network);
        prop_assert!(after.attempts >= before.attempts);
        let added = (after.reached - before.reached) + (after.attempts - before.attempts);
        prop_assert!(added <= 1, "one visit is at most one contact or attempt");
        let oa = client_overview(&ids, &visits, today, &OverviewOptions::default());
        for (b, a) in ob.iter().zip(&oa) {
            for (wb, wa) in b.weeks.iter().zip(&a.weeks) {
                prop_assert!(wa.reached >= wb.reached && wa.face_to_face >= wb.face_to_face);
                prop_assert!(wa.attempts >= wb.attempts);
            }
            // A new contact can only bring the last contact nearer.
            if let (Some(db), Some(da)) = (b.days_since_reached, a.days_since_reached) {
                prop_assert!(da <= db);
            }
            prop_assert!(!(b.days_since_reached.is_some() && a.days_since_reached.is_none()));
        }
    }
}

#[test]
fn a_client_listed_twice_counts_once() {
    let mut e = example();
    let again = e.clients[0].clone();
    e.clients.push(again);
    let r = report(&e, november());
    // Still 3 clients × 28 days, and K1's contacts once.
    assert_eq!(r.counts.client_days, 84);
    assert_eq!(r.counts.clients_at_end, 3);
    assert_eq!(r.counts.face_to_face, 8);
    assert_eq!(r.caseloads[0].clients, 2);
}

/// Three clients in care all of November, each met once at home by anna, for the tests of the
/// newer rules below.
fn three_clients() -> (Vec<ClientInCare>, Vec<Visit>) {
    let ids: Vec<ClientId> = (0..3).map(|_| ClientId::new()).collect();
    let clients = ids.iter().map(|&id| client(id, "anna")).collect();
    let visits = ids
        .iter()
        .map(|&id| visit(id, at(11, 10), &["anna"], FaceToFace, Some(Home), 60, false))
        .collect();
    (clients, visits)
}

fn team_report(
    clients: &[ClientInCare],
    visits: &[Visit],
    staff_exits: usize,
    min_clients: usize,
) -> FidelityReport {
    compute(&FidelityInput {
        period: november(),
        staff: &[user("anna"), user("bo")],
        clients,
        visits,
        staff_exits,
        min_clients,
    })
}

#[test]
fn a_call_with_the_mother_counts_for_the_network_only() {
    let (clients, mut visits) = three_clients();
    let mut call = visit(clients[0].id, at(11, 12), &["anna"], Phone, None, 20, true);
    call.client_present = false;
    visits.push(call);
    // A meeting with the landlord, client absent: face to face but not with the client.
    let mut landlord = visit(
        clients[1].id,
        at(11, 13),
        &["bo"],
        FaceToFace,
        Some(Community),
        30,
        true,
    );
    landlord.client_present = false;
    visits.push(landlord);
    let r = team_report(&clients, &visits, 0, 3);
    // Reached: the three home visits only; the two network-only contacts are apart.
    assert_eq!(r.counts.reached, 3);
    assert_eq!(r.counts.network_only, 2);
    assert_eq!(r.counts.face_to_face, 3);
    assert_eq!(r.counts.face_to_face_minutes, 180);
    // S6 counts both: 2 ÷ (84 client-days / 30.4375) = 2 × 30.4375 / 84.
    assert!(close(
        value(&r, IndicatorId::NetworkContacts).unwrap(),
        2.0 * 30.4375 / 84.0
    ));
    // S5 and H2 do not see them: 3 contacts ÷ 12 client-weeks; bo never met a client in person.
    assert!(close(
        value(&r, IndicatorId::ContactFrequency).unwrap(),
        0.25
    ));
    assert_eq!(value(&r, IndicatorId::TeamApproach), Some(0.0));
}

#[test]
fn figures_from_fewer_than_three_clients_are_suppressed() {
    let (mut clients, visits) = three_clients();
    // With three clients everything is shown.
    let r = team_report(&clients, &visits, 0, program::MIN_CLIENTS);
    assert!(value(&r, IndicatorId::ContactFrequency).is_some());
    assert!(r.after_hours.is_some());
    // Two clients: every figure about care is withheld, the caseload is not.
    clients.pop();
    let r = team_report(&clients, &visits[..2], 0, program::MIN_CLIENTS);
    for id in [
        IndicatorId::ContactFrequency,
        IndicatorId::ContactHours,
        IndicatorId::InCommunity,
        IndicatorId::NetworkContacts,
        IndicatorId::TeamApproach,
        IndicatorId::Retention,
        IndicatorId::TimeUnlimited,
    ] {
        let i = r.indicator(id).unwrap();
        assert_eq!(
            (i.value, i.missing),
            (None, Some(Missing::TooFewClients)),
            "{id}"
        );
        assert!(i.trend.iter().all(|p| p.value.is_none()), "{id} trend");
    }
    assert_eq!(r.after_hours_missing, Some(Missing::TooFewClients));
    assert!(close(value(&r, IndicatorId::Caseload).unwrap(), 1.0));
    // A week with one client in care is withheld while the period (three clients) is shown.
    let (mut clients, visits) = three_clients();
    clients[2].closed = Some(day(11, 8));
    clients[2].phase = Phase::Closed;
    let r = team_report(&clients, &visits[..2], 0, program::MIN_CLIENTS);
    let trend = &r.indicator(IndicatorId::ContactFrequency).unwrap().trend;
    assert!(trend[0].value.is_some(), "week 1 has three clients");
    assert_eq!(trend[1].value, None, "week 2 has two");
}

#[test]
fn retention_and_time_unlimited_count_coded_closures_over_twelve_months() {
    let (mut clients, visits) = three_clients();
    let closed = |reason, on| ClientInCare {
        phase: Phase::Closed,
        closed: Some(on),
        closure: Some(reason),
        ..client(ClientId::new(), "anna")
    };
    // Inside the 12 months up to 29/11/2026 (30/11/2025–29/11/2026):
    clients.push(closed(ClosureReason::GoalReached, day(3, 1)));
    clients.push(closed(ClosureReason::SteppedDown, day(6, 1)));
    clients.push(closed(ClosureReason::Declined, day(9, 1)));
    clients.push(closed(ClosureReason::Died, day(10, 1)));
    // Before the window: neither in care nor counted.
    clients.push(closed(
        ClosureReason::Declined,
        NaiveDate::from_ymd_opt(2025, 11, 29).unwrap(),
    ));
    // Admitted mid-window: in care, not closed.
    clients.push(ClientInCare {
        admitted: Some(day(8, 20)),
        ..client(ClientId::new(), "bo")
    });
    let r = team_report(&clients, &visits, 1, 3);
    // In care: 3 + 4 closed in the window + 1 admitted = 8. Drop-outs: declined = 1.
    assert_eq!(r.closures.in_care, 8);
    assert!(close(value(&r, IndicatorId::Retention).unwrap(), 7.0 / 8.0));
    assert_eq!(rating(&r, IndicatorId::Retention), Some(4));
    // Left as done: goal reached + stepped down = 2 of 8 = 25 % → 18–37 % → 3.
    assert!(close(value(&r, IndicatorId::TimeUnlimited).unwrap(), 0.25));
    assert_eq!(rating(&r, IndicatorId::TimeUnlimited), Some(3));
    // One exit among two staff: 50 % turnover → 3.
    assert!(close(value(&r, IndicatorId::StaffContinuity).unwrap(), 0.5));
    assert_eq!(rating(&r, IndicatorId::StaffContinuity), Some(3));
}

#[test]
fn intake_counts_confirmed_admissions_per_month() {
    let (mut clients, visits) = three_clients();
    let admitted = |on, estimated| ClientInCare {
        admitted: Some(on),
        admission_estimated: estimated,
        ..client(ClientId::new(), "anna")
    };
    // The window is June–November (the period's last month and the five before it); the
    // admission on 31 May lies outside it.
    clients.push(admitted(day(5, 31), false));
    clients.push(admitted(day(6, 1), false));
    clients.push(admitted(day(9, 3), false));
    clients.push(admitted(day(9, 20), false));
    // Estimated admissions (records from before the field) are not intakes.
    for _ in 0..5 {
        clients.push(admitted(day(9, 1), true));
    }
    let r = team_report(&clients, &visits, 0, 3);
    let months: Vec<usize> = r.intake.iter().map(|(_, n)| *n).collect();
    assert_eq!(months, [1, 0, 0, 2, 0, 0]);
    assert_eq!(r.intake[0].0, day(6, 1));
    assert_eq!(value(&r, IndicatorId::IntakeRate), Some(2.0));
    assert_eq!(rating(&r, IndicatorId::IntakeRate), Some(5));
}

#[test]
fn contacts_by_months_since_admission() {
    // Three clients admitted 1/11 (month 1 all November) and three admitted 1/1 (month 11).
    let new: Vec<ClientId> = (0..3).map(|_| ClientId::new()).collect();
    let old: Vec<ClientId> = (0..3).map(|_| ClientId::new()).collect();
    let mut clients: Vec<ClientInCare> = new
        .iter()
        .map(|&id| ClientInCare {
            admitted: Some(day(11, 1)),
            ..client(id, "anna")
        })
        .collect();
    clients.extend(old.iter().map(|&id| ClientInCare {
        admitted: Some(day(1, 1)),
        ..client(id, "bo")
    }));
    // New clients: 4 home visits each in November; old: 1 each. A network-only call and an
    // attempt are not contacts with the client.
    let mut visits = Vec::new();
    for &id in &new {
        for d in [3, 10, 17, 24] {
            visits.push(visit(
                id,
                at(11, d),
                &["anna"],
                FaceToFace,
                Some(Home),
                45,
                false,
            ));
        }
    }
    for &id in &old {
        visits.push(visit(
            id,
            at(11, 5),
            &["bo"],
            FaceToFace,
            Some(Home),
            45,
            false,
        ));
    }
    let mut call = visit(old[0], at(11, 6), &["bo"], Phone, None, 10, true);
    call.client_present = false;
    visits.push(call);
    visits.push(visit(
        old[1],
        at(11, 7),
        &["bo"],
        Attempted,
        Some(Home),
        30,
        false,
    ));
    let r = team_report(&clients, &visits, 0, 3);
    let first = &r.by_stage[0];
    // Month 1: 3 clients × 28 days = 84 client-days = 12 client-weeks; 12 contacts → 1.0.
    assert_eq!(
        (first.clients, first.client_days, first.face_to_face),
        (3, 84, 12)
    );
    assert!(close(first.value.unwrap(), 1.0));
    // Months 7–12 (the old clients are in month 11): 3 contacts ÷ 12 client-weeks = 0.25.
    let late = &r.by_stage[4];
    assert_eq!((late.from_month, late.to_month), (6, Some(11)));
    assert_eq!(
        (late.clients, late.client_days, late.face_to_face),
        (3, 84, 3)
    );
    assert!(close(late.value.unwrap(), 0.25));
    assert_eq!(late.label().sv, "Månad 7–12");
    // Stages without clients say so.
    assert_eq!(r.by_stage[1].missing, Some(Missing::NoClientsInCare));
    // A client whose admission is only estimated is left out of the chart.
    clients[0].admission_estimated = true;
    let r = team_report(&clients, &visits, 0, 3);
    assert_eq!(r.by_stage[0].missing, Some(Missing::TooFewClients));
}

#[test]
fn after_hours_share_counts_evenings_and_weekends() {
    let (clients, mut visits) = three_clients();
    // 17:30 Swedish time on a Tuesday (16:30 UTC in November) and Saturday 11:00.
    visits.push(visit(
        clients[0].id,
        Utc.with_ymd_and_hms(2026, 11, 17, 16, 30, 0).unwrap(),
        &["anna"],
        Phone,
        None,
        15,
        false,
    ));
    visits.push(visit(
        clients[1].id,
        Utc.with_ymd_and_hms(2026, 11, 21, 10, 0, 0).unwrap(),
        &["anna"],
        FaceToFace,
        Some(Home),
        30,
        false,
    ));
    // 16:59 on a weekday is office hours.
    visits.push(visit(
        clients[2].id,
        Utc.with_ymd_and_hms(2026, 11, 18, 15, 59, 0).unwrap(),
        &["anna"],
        Phone,
        None,
        5,
        false,
    ));
    let r = team_report(&clients, &visits, 0, 3);
    // 6 contacts, 2 after hours.
    assert_eq!(r.counts.after_hours, 2);
    assert!(close(r.after_hours.unwrap(), 2.0 / 6.0));
}

#[test]
fn months_in_care_are_whole_months() {
    let a = day(1, 31);
    assert_eq!(program::months_in_care(a, day(1, 31)), 0);
    assert_eq!(program::months_in_care(a, day(2, 28)), 0);
    assert_eq!(program::months_in_care(a, day(3, 31)), 2);
    assert_eq!(program::months_in_care(day(3, 15), day(4, 14)), 0);
    assert_eq!(program::months_in_care(day(3, 15), day(4, 15)), 1);
    assert_eq!(
        program::months_back(day(11, 29), 12).first,
        NaiveDate::from_ymd_opt(2025, 11, 30).unwrap()
    );
}

#[test]
fn a_network_only_contact_does_not_reach_the_client_on_the_overview() {
    let k = [ClientId::new()];
    let today = day(11, 29);
    let mut call = visit(k[0], at(11, 27), &["anna"], Phone, None, 15, true);
    call.client_present = false;
    let visits = vec![
        visit(
            k[0],
            at(11, 10),
            &["anna"],
            FaceToFace,
            Some(Home),
            60,
            false,
        ),
        call,
    ];
    let o = &client_overview(&k, &visits, today, &OverviewOptions::default())[0];
    // Last reached 10/11 (19 days), not the call with the mother on 27/11.
    assert_eq!(o.days_since_reached, Some(19));
    assert!(o.not_reached);
    assert_eq!(o.last_network_only, Some(at(11, 27)));
    let last_week = o.weeks.last().unwrap();
    assert_eq!((last_week.reached, last_week.network_only), (0, 1));
    let lists = not_reached(
        &client_overview(&k, &visits, today, &OverviewOptions::default()),
        &OverviewOptions::default(),
    );
    assert_eq!(lists.not_tried.len(), 1);
    assert_eq!(lists.not_tried[0].last_network_only, Some(at(11, 27)));
}
