//! The phone's month "as the payroll office will see it", end to end on both backends: a real
//! phone store enrolled over HTTP with a real server on the loopback, the organisation's rate
//! and the driver's home–workplace distance set on the server, trips logged on the phone (one
//! from home, one from the workplace, one in a pool car). Before a sync the phone has no terms
//! and prices nothing; after it, its month equals the payroll file's row for the driver to the
//! öre, and both equal a hand computation. An idle sync of an up-to-date phone carries no
//! terms; a new rate reaches the phone at its next sync and re-prices the month the same way
//! the payroll file does.

mod phone_support;
mod server_common;

use chrono::{Datelike, Duration, Utc};
use phone_support::{case_managers, phone, sync_until_done};
use server_common::*;
use uppsok_device::sync::{SyncClient, SyncConfig};
use uppsok_model::fidelity::swedish_date;
use uppsok_model::{OrgKind, Rates, Role, Trip, Vehicle};

/// Öre of `centi_km` at `ore_per_km`, half up: written out here so the test does not check the
/// phone against the code it runs.
fn ore(centi_km: i64, ore_per_km: i64) -> i64 {
    (centi_km * ore_per_km + 50) / 100
}

fn kronor(ore: i64) -> String {
    format!("{},{:02}", ore / 100, ore % 100)
}

fn rates(own_car_ore_per_km: i64) -> Rates {
    Rates {
        own_car_ore_per_km,
        service_car_ore_per_km: 0,
        benefit_fossil_ore_per_km: 120,
        benefit_electric_ore_per_km: 95,
    }
}

/// Anna's trip of `km`, `minutes_ago` minutes ago (the shared builder: own car, Kalix → Töre).
fn trip(minutes_ago: i64, km: f64, vehicle: Vehicle, from_home: bool) -> Trip {
    Trip {
        vehicle,
        from_home,
        ..uppsok_tests::late_trip::trip("anna", Utc::now() - Duration::minutes(minutes_ago), 1, km)
    }
}

/// The payroll file's (amount, tax-free, taxable) for `driver`, as it prints them.
async fn payroll_row(
    app: &TestApp,
    cookie: &str,
    team: &str,
    month: &str,
    driver: &str,
) -> [String; 3] {
    let res = app
        .http
        .get(app.url(&format!("/mileage/payroll.csv?team={team}&month={month}")))
        .header("cookie", cookie)
        .send()
        .await
        .expect("payroll file");
    assert_eq!(res.status().as_u16(), 200);
    let csv = res.text().await.expect("csv");
    let rows = uppsok_server::dashboard::export::parse(&csv);
    let header = &rows[0];
    let row = rows[1..]
        .iter()
        .find(|r| r[0] == driver)
        .unwrap_or_else(|| panic!("{driver} in {csv}"));
    let col = |name: &str| {
        let i = header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {csv}"));
        row[i].clone()
    };
    [
        col("Belopp kr"),
        col("Skattefritt kr"),
        col("Skattepliktigt kr"),
    ]
}

fn the_phones_month_is_the_payroll_files_row(backend: Backend) {
    let (rt, app) = blocking_app(backend);
    let (org, team, code, cookie) = rt.block_on(async {
        // 30.50 kr/mil for an own car (a common agreement), nothing for a pool car.
        let org = app
            .store
            .create_org("Kalix kommun", OrgKind::Municipality, rates(305))
            .await
            .expect("org");
        let team = app
            .store
            .create_team("ACT Kalix", org.id, "K-###")
            .await
            .expect("team");
        let codes = case_managers(&app.store, org.id, &[("anna", team.id)]).await;
        // Anna lives 12.0 km from the workplace.
        app.store
            .set_home_work(codes[0].0, 120)
            .await
            .expect("home–work");
        let sara = add_staff(
            &app.store,
            "sara",
            Role::Supervisor,
            org.id,
            &[team.id],
            "ett långt lösenord",
        )
        .await;
        let (cookie, _) = app.cookie_session(sara.id).await;
        (org.id, team.id.to_string(), codes[0].1.clone(), cookie)
    });

    let dir = tempfile::tempdir().expect("dir");
    let sync = SyncClient::new(SyncConfig::default()).expect("sync client");
    let anna = phone(dir.path(), "anna");
    sync.enrol_blocking(&anna, &app.base, &code, Some("anna"))
        .expect("enrol");
    let today = swedish_date(Utc::now());
    let (year, month) = (today.year(), today.month());
    let month_text = today.format("%Y-%m").to_string();
    assert!(
        uppsok_device::pay::month(&anna, year, month)
            .expect("month")
            .is_none(),
        "no terms before a sync brought them"
    );

    // From home 45.26 km (45.3 less 12.0: 33.3 paid), from the workplace 25.3 km, and 10 km
    // in the pool car. A few minutes ago, so in this month but for a run at midnight.
    for t in [
        trip(3, 45.26, Vehicle::Own, true),
        trip(2, 25.3, Vehicle::Own, false),
        trip(
            1,
            10.0,
            Vehicle::Service {
                registration: "NRB123".into(),
            },
            false,
        ),
    ] {
        anna.save_trip(&t).expect("trip");
    }
    let report = sync_until_done(&sync, &anna);
    assert!(report.complete, "{report:?}");

    let pay = uppsok_device::pay::month(&anna, year, month)
        .expect("month")
        .expect("the sync brought the terms");
    // By hand: 33.3 km and 25.3 km at 3.05 kr/km, tax-free up to 2.50 kr/km; the pool car 0.
    let amount = ore(3330, 305) + ore(2530, 305);
    let free = ore(3330, 250) + ore(2530, 250);
    assert_eq!(pay.trips, 3);
    assert_eq!(pay.centi_km, 3330 + 2530 + 1000);
    assert_eq!(pay.amount_ore, amount);
    assert_eq!(pay.tax_free_ore, free);
    assert_eq!(pay.taxable_ore, amount - free);
    let row = rt.block_on(payroll_row(&app, &cookie, &team, &month_text, "anna"));
    assert_eq!(
        row,
        [kronor(amount), kronor(free), kronor(amount - free)],
        "the phone and the payroll file agree to the öre"
    );

    // Up to date: another sync pulls nothing and the terms stay as they were.
    let before = uppsok_device::pay::terms(&anna)
        .expect("terms")
        .expect("held");
    sync_until_done(&sync, &anna);
    assert_eq!(
        uppsok_device::pay::terms(&anna)
            .expect("terms")
            .expect("held"),
        before
    );

    // A new rate from the first of last month: the next sync brings it, and the phone's month
    // is re-priced as the payroll file is.
    let first = today
        .with_day(1)
        .expect("first")
        .pred_opt()
        .expect("last month")
        .with_day(1)
        .expect("first");
    rt.block_on(app.store.set_org_rates(org, rates(320), first))
        .expect("new rate");
    sync_until_done(&sync, &anna);
    let after = uppsok_device::pay::terms(&anna)
        .expect("terms")
        .expect("held");
    assert_ne!(after.tag, before.tag);
    let pay = uppsok_device::pay::month(&anna, year, month)
        .expect("month")
        .expect("terms");
    let amount = ore(3330, 320) + ore(2530, 320);
    assert_eq!(pay.amount_ore, amount);
    let row = rt.block_on(payroll_row(&app, &cookie, &team, &month_text, "anna"));
    assert_eq!(row[0], kronor(amount));
    rt.block_on(app.stop());
}

#[test]
fn the_phones_month_is_the_payroll_files_row_sqlite() {
    the_phones_month_is_the_payroll_files_row(Backend::Sqlite);
}

#[test]
fn the_phones_month_is_the_payroll_files_row_postgres() {
    the_phones_month_is_the_payroll_files_row(Backend::Postgres);
}
