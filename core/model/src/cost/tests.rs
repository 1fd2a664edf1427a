//! Hand-computed cases: each expected figure is worked out in the comment beside it.

use super::*;
use crate::fidelity::program::MIN_CLIENTS;
use crate::ids::VisitId;
use crate::org::Rates;
use crate::visit::Setting;
use chrono::{TimeZone, Utc};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn u(s: &str) -> Username {
    Username::parse(s).unwrap()
}

struct World {
    kommun: OrgId,
    region: OrgId,
    staff_org: BTreeMap<Username, OrgId>,
    hourly: BTreeMap<OrgId, StaffCostSchedule>,
    a: ClientId,
    b: ClientId,
    c: ClientId,
}

/// Anna works for the municipality (480 kr/h), Bo for the region (560 kr/h).
fn world() -> World {
    let kommun = OrgId::new();
    let region = OrgId::new();
    let mut ids = [ClientId::new(), ClientId::new(), ClientId::new()];
    ids.sort();
    World {
        kommun,
        region,
        staff_org: [(u("anna"), kommun), (u("bo"), region)].into(),
        hourly: [
            (
                kommun,
                StaffCostSchedule::new(vec![(d(2025, 1, 1), 48_000)]).unwrap(),
            ),
            (
                region,
                StaffCostSchedule::new(vec![(d(2025, 1, 1), 56_000)]).unwrap(),
            ),
        ]
        .into(),
        a: ids[0],
        b: ids[1],
        c: ids[2],
    }
}

/// A visit at 10:00 Swedish time (09:00 UTC in winter, 08:00 in summer: the same day).
fn visit(
    client: ClientId,
    day: NaiveDate,
    minutes: u16,
    staff: &[&str],
    contact: ContactKind,
) -> Visit {
    Visit {
        id: VisitId::new(),
        client,
        author: u(staff[0]),
        staff: staff.iter().map(|s| u(s)).collect(),
        start: Utc
            .with_ymd_and_hms(day.year(), day.month(), day.day(), 8, 0, 0)
            .unwrap(),
        minutes,
        contact,
        setting: (contact == ContactKind::FaceToFace).then_some(Setting::Home),
        network: false,
        client_present: true,
        group: false,
        place: None,
        note: None,
    }
}

fn spans(w: &World) -> Vec<ClientSpan> {
    [w.a, w.b, w.c]
        .into_iter()
        .map(|id| ClientSpan {
            id,
            admitted: d(2024, 1, 1),
            closed_on: None,
        })
        .collect()
}

fn run(
    w: &World,
    clients: &[ClientSpan],
    visits: &[Visit],
    trips: &[TripCost],
    staffing: &[Staffing],
    first: NaiveDate,
    last: NaiveDate,
) -> CostReport {
    compute(&CostInput {
        first,
        last,
        clients,
        visits,
        trips,
        staff_org: &w.staff_org,
        hourly: &w.hourly,
        staffing,
        min_clients: MIN_CLIENTS,
    })
}

/// Every place a sum is shown adds up to the team's, to the öre.
fn assert_adds_up(r: &CostReport) {
    let sum = |it: &mut dyn Iterator<Item = &Totals>| {
        let mut t = Totals::default();
        for x in it {
            t.add(x);
        }
        t
    };
    let months = sum(&mut r.months.iter().map(|m| &m.totals));
    assert_eq!(months, r.team, "the months add up to the period");
    let staff = sum(&mut r.by_staff.values());
    assert_eq!(
        staff.total_ore(),
        r.team.total_ore(),
        "the staff add up to the team"
    );
    let orgs = sum(&mut r.by_org.values());
    assert_eq!(
        orgs.total_ore(),
        r.team.total_ore(),
        "the organisations add up to the team (all staff priced)"
    );
}

#[test]
fn a_two_staff_visit_costs_both_staff_members_time() {
    let w = world();
    // 90 minutes, Anna (480 kr/h) and Bo (560 kr/h): 90 × 480 / 60 = 720 kr and
    // 90 × 560 / 60 = 840 kr, 1 560 kr in all; 180 staff-minutes; one face-to-face contact.
    let v = visit(
        w.a,
        d(2026, 3, 10),
        90,
        &["anna", "bo"],
        ContactKind::FaceToFace,
    );
    let r = run(
        &w,
        &spans(&w),
        &[v],
        &[],
        &[],
        d(2026, 3, 1),
        d(2026, 3, 31),
    );
    assert_eq!(r.team.contact_minutes, 180);
    assert_eq!(r.team.contact_cost_ore, 156_000);
    assert_eq!(r.team.face_to_face, 1, "one contact, however many staff");
    assert_eq!(r.by_org[&w.kommun].contact_cost_ore, 72_000);
    assert_eq!(r.by_org[&w.region].contact_cost_ore, 84_000);
    assert_eq!(r.by_staff[&u("bo")].contact_minutes, 90);
    assert_eq!(r.by_client[&w.a].total_ore(), 156_000);
    // Three clients in care in March: 1 560 kr / 3 = 520 kr per client and month.
    assert_eq!(r.months[0].clients, 3);
    assert_eq!(r.months[0].per_client_ore, Some(52_000));
    assert_eq!(r.per_client_month_ore, Some(52_000));
    assert_adds_up(&r);
}

#[test]
fn attempts_and_network_contacts_are_counted_apart() {
    let w = world();
    // Anna: 30 min attempt, 20 min with the network alone, 50 min with the client.
    let mut network = visit(w.a, d(2026, 3, 3), 20, &["anna"], ContactKind::Phone);
    network.client_present = false;
    network.network = true;
    let visits = [
        visit(w.a, d(2026, 3, 2), 30, &["anna"], ContactKind::Attempted),
        network,
        visit(w.a, d(2026, 3, 4), 50, &["anna"], ContactKind::FaceToFace),
    ];
    let trip = TripCost {
        driver: u("anna"),
        day: d(2026, 3, 4),
        travel_minutes: 100,
        has_end: true,
        centi_km: 4_000,
        tax_free_ore: 0,
        taxable_ore: 0,
        clients: vec![w.a],
    };
    let r = run(
        &w,
        &spans(&w),
        &visits,
        &[trip],
        &[],
        d(2026, 3, 1),
        d(2026, 3, 31),
    );
    assert_eq!(
        (
            r.team.attempt_minutes,
            r.team.network_minutes,
            r.team.contact_minutes
        ),
        (30, 20, 50)
    );
    assert_eq!(
        r.team.face_to_face, 1,
        "the attempt and the call are no meetings"
    );
    // Staff time 30 + 20 + 50 + 100 = 200 minutes: attempts 30 / 200, road 100 / 200.
    assert_eq!(r.team.attempt_share(), Some(0.15));
    assert_eq!(r.team.road_share(), Some(0.5));
    // 40 km and 100 minutes for the one face-to-face contact.
    assert_eq!(r.team.km_per_face_to_face(), Some(40.0));
    assert_eq!(r.team.travel_minutes_per_face_to_face(), Some(100.0));
    // 100 visit minutes × 480 / 60 = 800 kr; 100 road minutes × 480 / 60 = 800 kr.
    assert_eq!(
        (r.team.contact_cost_ore, r.team.travel_cost_ore),
        (80_000, 80_000)
    );
    assert_adds_up(&r);
}

fn trip_of(km: f64, minutes: i64) -> Trip {
    let mut t = crate::trip::tests::trip();
    t.start = Utc.with_ymd_and_hms(2026, 3, 12, 8, 0, 0).unwrap();
    t.end = Some(t.start + chrono::Duration::minutes(minutes));
    t.km = km;
    t
}

#[test]
fn a_trip_with_two_clients_splits_its_cost_equally() {
    let w = world();
    // 30.3 km in Anna's own car at 3.05 kr/km: 30.3 × 305 = 9 241.5 öre → 9 242 öre; tax-free
    // 30.3 × 250 = 7 575 öre; taxable 1 667 öre. 45 minutes × 480 kr/h = 360 kr.
    let rates = RateSchedule::from(Rates::default());
    let t = TripCost::new(&trip_of(30.3, 45), &rates, 0, vec![w.b, w.a, w.b]).unwrap();
    assert_eq!(t.clients, vec![w.a, w.b], "each client once");
    assert_eq!(
        (t.centi_km, t.tax_free_ore, t.taxable_ore, t.travel_minutes),
        (3_030, 7_575, 1_667, 45)
    );
    let r = run(
        &w,
        &spans(&w),
        &[],
        &[t],
        &[],
        d(2026, 3, 1),
        d(2026, 3, 31),
    );
    assert_eq!(r.team.total_ore(), 36_000 + 7_575 + 1_667);
    let (a, b) = (r.by_client[&w.a], r.by_client[&w.b]);
    // Halves, the odd öre and minute to the first client by id.
    assert_eq!((a.tax_free_ore, b.tax_free_ore), (3_788, 3_787));
    assert_eq!((a.taxable_ore, b.taxable_ore), (834, 833));
    assert_eq!((a.travel_minutes, b.travel_minutes), (23, 22));
    assert_eq!((a.centi_km, b.centi_km), (1_515, 1_515));
    assert_eq!((a.travel_cost_ore, b.travel_cost_ore), (18_000, 18_000));
    assert_eq!(
        a.total_ore() + b.total_ore(),
        r.team.total_ore(),
        "the halves add up to the trip"
    );
    assert!(!r.by_client.contains_key(&w.c));
    assert_eq!(r.by_org[&w.kommun].mileage_ore(), 9_242);
    assert!(!r.by_org.contains_key(&w.region), "Bo did not drive");
    assert_adds_up(&r);
}

#[test]
fn a_trip_from_home_pays_only_beyond_the_commute_but_its_km_are_all_road() {
    let rates = RateSchedule::from(Rates::default());
    let mut trip = trip_of(30.0, 40);
    trip.from_home = true;
    // 30.0 km less a 12.5 km commute: 17.5 km paid: 17.5 × 305 = 5 337.5 → 5 338 öre, of it
    // 17.5 × 250 = 4 375 tax-free.
    let t = TripCost::new(&trip, &rates, 125, vec![]).unwrap();
    assert_eq!(
        (t.centi_km, t.tax_free_ore, t.taxable_ore),
        (3_000, 4_375, 963)
    );
}

#[test]
fn a_client_admitted_mid_year_counts_from_the_month_admitted() {
    let w = world();
    let clients = [
        // In care all year: 12 client-months.
        ClientSpan {
            id: w.a,
            admitted: d(2024, 5, 1),
            closed_on: None,
        },
        // Closed 10 March: January–March, 3.
        ClientSpan {
            id: w.b,
            admitted: d(2025, 2, 1),
            closed_on: Some(d(2026, 3, 10)),
        },
        // Admitted 15 July: July–December, 6.
        ClientSpan {
            id: w.c,
            admitted: d(2026, 7, 15),
            closed_on: None,
        },
    ];
    // One 60-minute visit by Anna each month: 480 kr × 12 = 5 760 kr.
    let visits: Vec<Visit> = (1..=12)
        .map(|m| visit(w.a, d(2026, m, 5), 60, &["anna"], ContactKind::FaceToFace))
        .collect();
    let r = run(
        &w,
        &clients,
        &visits,
        &[],
        &[],
        d(2026, 1, 1),
        d(2026, 12, 31),
    );
    let counts: Vec<usize> = r.months.iter().map(|m| m.clients).collect();
    assert_eq!(counts, [2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2]);
    assert_eq!(r.client_months, 21);
    assert_eq!(r.clients, 3);
    // 576 000 öre / 21 client-months = 27 428.57 → 27 429 öre.
    assert_eq!(r.team.total_ore(), 576_000);
    assert_eq!(r.per_client_month_ore, Some(27_429));
    assert!(
        r.months.iter().all(|m| m.per_client_ore.is_none()),
        "no month has three clients"
    );
    assert_adds_up(&r);
}

#[test]
fn a_cost_change_mid_month_prices_each_day_at_its_own_cost() {
    let mut w = world();
    w.hourly.insert(
        w.kommun,
        StaffCostSchedule::new(vec![(d(2025, 1, 1), 48_000), (d(2026, 3, 16), 50_000)]).unwrap(),
    );
    let visits = [
        // 60 min before the change: 480 kr.
        visit(w.a, d(2026, 3, 10), 60, &["anna"], ContactKind::FaceToFace),
        // 60 min from the day of the change: 500 kr.
        visit(w.a, d(2026, 3, 16), 60, &["anna"], ContactKind::FaceToFace),
    ];
    let r = run(
        &w,
        &spans(&w),
        &visits,
        &[],
        &[],
        d(2026, 3, 1),
        d(2026, 3, 31),
    );
    assert_eq!(r.team.contact_cost_ore, 98_000);
    // Full cost of 1.00 post in March 2026 (365-day year): 15 days at 480 and 16 at 500 kr/h:
    // 2 080 h × (15 × 48 000 + 16 × 50 000) / 365 = 2 080 × 1 520 000 / 365
    // = 8 661 917.8 → 8 661 918 öre.
    let staffing = [Staffing {
        org: w.kommun,
        fte_hundredths: 100,
    }];
    let r = run(
        &w,
        &spans(&w),
        &visits,
        &[],
        &staffing,
        d(2026, 3, 1),
        d(2026, 3, 31),
    );
    assert_eq!(r.months[0].full_ore, Some(8_661_918));
    // Per client: 8 661 918 / 3 = 2 887 306 öre.
    assert_eq!(r.full_per_client_month_ore, Some(2_887_306));
    assert_eq!(r.full_ore(), Some(8_661_918));
}

#[test]
fn full_cost_of_a_year_is_posts_times_hours_times_cost() {
    let w = world();
    // 2.5 posts × 2 080 h × 560 kr/h = 2 912 000 kr for the whole of 2026.
    let staffing = [Staffing {
        org: w.region,
        fte_hundredths: 250,
    }];
    let r = run(
        &w,
        &spans(&w),
        &[],
        &[],
        &staffing,
        d(2026, 1, 1),
        d(2026, 12, 31),
    );
    assert_eq!(
        full_cost_ore(
            &staffing[0],
            &w.hourly[&w.region],
            d(2026, 1, 1),
            d(2026, 12, 31)
        ),
        291_200_000
    );
    let months: i64 = r.months.iter().filter_map(|m| m.full_ore).sum();
    // Each month is rounded once and the year shown is their sum: it may differ from the year
    // priced whole by at most 12 × ½ öre.
    assert_eq!(r.full_by_org[&w.region], months);
    assert!((months - 291_200_000).abs() <= 6, "{months}");
    assert_eq!(
        r.full_ore(),
        Some(months),
        "the year is the sum of the months shown"
    );
}

#[test]
fn per_client_figures_under_three_clients_are_withheld() {
    let w = world();
    let v = visit(w.a, d(2026, 3, 10), 60, &["anna"], ContactKind::FaceToFace);
    let two = &spans(&w)[..2];
    let r = run(
        &w,
        two,
        std::slice::from_ref(&v),
        &[],
        &[],
        d(2026, 3, 1),
        d(2026, 3, 31),
    );
    assert_eq!(r.months[0].clients, 2);
    assert_eq!(r.months[0].per_client_ore, None);
    assert_eq!(r.per_client_month_ore, None);
    assert_eq!(r.team.total_ore(), 48_000, "the team's total stays");
    let r = run(
        &w,
        &spans(&w),
        &[v],
        &[],
        &[],
        d(2026, 3, 1),
        d(2026, 3, 31),
    );
    // 480 kr / 3 = 160 kr.
    assert_eq!(r.months[0].per_client_ore, Some(16_000));
}

#[test]
fn staff_without_a_cost_are_counted_but_not_priced() {
    let w = world();
    let v = visit(
        w.a,
        d(2026, 3, 10),
        60,
        &["anna", "cia"],
        ContactKind::FaceToFace,
    );
    let r = run(
        &w,
        &spans(&w),
        &[v],
        &[],
        &[],
        d(2026, 3, 1),
        d(2026, 3, 31),
    );
    assert_eq!(r.team.contact_minutes, 120);
    assert_eq!(r.team.unpriced_minutes, 60);
    assert_eq!(r.team.contact_cost_ore, 48_000);
}

#[test]
fn staffing_is_compared_with_pitea_and_housing_support() {
    // 12 clients, 2.5 posts: 4.8 clients per post, 2.08 staff per 10 clients.
    let s = StaffingComparison {
        clients: 12,
        posts_hundredths: 250,
    };
    assert_eq!(s.clients_per_post(), Some(4.8));
    assert!((s.posts_per_ten_clients().unwrap() - 2.0833).abs() < 1e-3);
    assert!(s.clients_per_post().unwrap() < PITEA_CLIENTS_PER_POST);
    assert_eq!(
        StaffingComparison {
            clients: 0,
            posts_hundredths: 0
        }
        .clients_per_post(),
        None
    );
}

#[test]
fn splits_add_up() {
    assert_eq!(split(7, 3), vec![3, 2, 2]);
    assert_eq!(split(6, 3), vec![2, 2, 2]);
    assert_eq!(split(1, 2), vec![1, 0]);
    assert_eq!(price_minutes(1, 48_050), 801, "48 050 / 60 = 800.83 → 801");
    assert_eq!(months_within(d(2026, 1, 15), d(2026, 3, 1)).len(), 3);
}
