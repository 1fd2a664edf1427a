//! Trips through the real `uppsok` binary, as a case manager's scripts would use it: `trip add`
//! with a suggestion, typed km and odometer readings; `trip import-gpx` of a synthetic drive
//! (fed fix by fix through the device's trip recording, as the phone does); `trip list --json`;
//! and the körjournal exported as CSV (read back with the model's parser) and as PDF (its text
//! read back with `pdftotext`, installed by `tests/tools/ensure-poppler`).

mod field_support;
use uppsok_tests::routes;

use field_support::{all_files, contains, field, ok, stderr};
use uppsok_model::mileage::Fix;
use uppsok_model::mileage::korjournal::parse_csv;
use uppsok_tests::pdf::pdf_file_text;

fn gpx(fixes: &[Fix]) -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<gpx version=\"1.1\" creator=\"field_trips test\" xmlns=\"http://www.topografix.com/GPX/1/1\">\n<trk><trkseg>\n",
    );
    for f in fixes {
        s.push_str(&format!(
            "<trkpt lat=\"{:.7}\" lon=\"{:.7}\"><ele>12.0</ele><time>{}</time><hdop>{:.2}</hdop></trkpt>\n",
            f.lat,
            f.lon,
            rfc3339(f.time_ms),
            f.accuracy_m / 5.0
        ));
    }
    s.push_str("</trkseg></trk>\n</gpx>\n");
    s
}

/// RFC 3339 in UTC without a date library: days since 1970 to a civil date (Howard Hinnant's
/// algorithm), enough for the test's own timestamps.
fn rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        ms.rem_euclid(1000)
    )
}

#[test]
fn rfc3339_matches_the_route_epoch() {
    assert_eq!(rfc3339(routes::T0_MS), "2026-11-22T07:00:00.000Z");
}

fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

#[test]
fn trips_from_add_gpx_list_to_korjournal() {
    let dir = tempfile::tempdir().expect("temp dir");
    let home = dir.path().join("home");
    ok(field(&home, &["init", "--user", "anna"]));

    // Neither km nor odometer: the suggestion, and the CLI says so.
    let o = field(
        &home,
        &[
            "trip",
            "add",
            "--from",
            "Kalix",
            "--to",
            "Töre",
            "--purpose",
            "Hembesök",
            "--start",
            "2026-11-20T08:30",
            "--visited",
            "K-017",
        ],
    );
    assert!(stderr(&o).contains("suggestion"), "{}", stderr(&o));
    let suggested_id = ok(o).trim().to_owned();

    let typed_id = ok(field(
        &home,
        &[
            "trip",
            "add",
            "--from",
            "Töre",
            "--to",
            "Kalix",
            "--purpose",
            "Hembesök; åter",
            "--km",
            "25,3",
            "--start",
            "2026-11-20T10:30",
        ],
    ))
    .trim()
    .to_owned();

    let odo_id = ok(field(
        &home,
        &[
            "trip",
            "add",
            "--from",
            "Kalix",
            "--to",
            "Morjärv",
            "--purpose",
            "Nätverksmöte",
            "--vehicle",
            "service:abc123",
            "--odometer-start",
            "12000",
            "--odometer-end",
            "12041",
            "--start",
            "2026-11-21T09:00",
        ],
    ))
    .trim()
    .to_owned();

    // km and odometer together are refused, naming the rule, not the values.
    let o = field(
        &home,
        &[
            "trip",
            "add",
            "--from",
            "Kalix",
            "--to",
            "Töre",
            "--purpose",
            "x",
            "--km",
            "3",
            "--odometer-end",
            "12050",
        ],
    );
    assert!(!o.status.success());

    // A synthetic 15 km drive, observed like a phone: 1 s fixes, σ 5 m, outliers, poor fixes.
    let route = routes::generate(11, 15.0);
    let observed = routes::observe(
        &route,
        &routes::Observation {
            seed: 3,
            interval_s: 1,
            sigma_m: 5.0,
            bias_sigma_m: 0.0,
            outlier_rate: 0.01,
            poor_rate: 0.02,
            gaps: 0,
            with_speed: false,
            speed_sigma_mps: 0.0,
            speed_missing_rate: 0.0,
        },
    );
    let gpx_path = dir.path().join("drive.gpx");
    std::fs::write(&gpx_path, gpx(&observed.fixes)).expect("write gpx");
    let o = field(
        &home,
        &[
            "trip",
            "import-gpx",
            gpx_path.to_str().expect("utf-8 path"),
            "--from",
            "Kalix",
            "--to",
            "Påläng",
            "--purpose",
            "Hembesök",
            "--visited",
            "K-021",
        ],
    );
    assert!(stderr(&o).contains("recorded"), "{}", stderr(&o));
    let gps_id = ok(o).trim().to_owned();

    let list = json(&ok(field(
        &home,
        &["trip", "list", "--month", "2026-11", "--json"],
    )));
    let trips = list.as_array().expect("a list");
    assert_eq!(trips.len(), 4, "{list}");

    let by_id = |id: &str| {
        trips
            .iter()
            .find(|t| t["id"] == id)
            .unwrap_or_else(|| panic!("trip {id} listed"))
            .clone()
    };
    let s = by_id(&suggested_id);
    assert_eq!(s["distance_source"], "suggested");
    assert_eq!(s["distance_confirmed"], false);
    // The driver confirms the suggestion; typed km have nothing to confirm, and the refusal
    // names the field and the rule.
    let listed = ok(field(&home, &["trip", "list", "--month", "2026-11"]));
    assert_eq!(listed.matches("unconfirmed").count(), 1, "{listed}");
    let o = field(&home, &["trip", "confirm", &suggested_id]);
    assert!(
        stderr(&o).contains("confirmed the suggested"),
        "{}",
        stderr(&o)
    );
    assert_eq!(ok(o).trim(), suggested_id);
    let o = field(&home, &["trip", "confirm", &typed_id]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("distance_source"), "{}", stderr(&o));
    let listed = ok(field(&home, &["trip", "list", "--month", "2026-11"]));
    assert!(!listed.contains("unconfirmed"), "{listed}");
    let again = json(&ok(field(
        &home,
        &["trip", "list", "--month", "2026-11", "--json"],
    )));
    let confirmed: Vec<&str> = again
        .as_array()
        .expect("a list")
        .iter()
        .filter(|t| t["distance_confirmed"] == true)
        .filter_map(|t| t["id"].as_str())
        .collect();
    assert_eq!(confirmed, [suggested_id.as_str()]);
    assert_eq!(
        (s["from"].as_str(), s["to"].as_str()),
        (Some("Kalix"), Some("Töre"))
    );
    let t = by_id(&typed_id);
    assert_eq!(
        (t["distance_source"].as_str(), t["km"].as_f64()),
        (Some("manual"), Some(25.3))
    );
    let d = by_id(&odo_id);
    assert_eq!(d["distance_source"], "odometer");
    assert_eq!(
        (d["km"].as_f64(), d["odometer_end"].as_u64()),
        (Some(41.0), Some(12041))
    );
    assert_eq!(d["vehicle"], "service:ABC123");
    let g = by_id(&gps_id);
    assert_eq!(g["distance_source"], "gps");
    let km = g["km"].as_f64().expect("km");
    let truth = route.length_m / 1000.0;
    assert!(
        ((km - truth) / truth).abs() < 0.02,
        "recorded {km} km, drove {truth} km"
    );
    assert!(g["gps"]["fixes_used"].as_u64().expect("fixes") > 500);
    assert_eq!(g["visited"], "K-021");
    // The fixes were dropped with the recording: nothing sealed is left for it.
    let o = field(&home, &["trip", "fix", "--lat", "65.8", "--lon", "23.1"]);
    assert!(!o.status.success(), "no recording should be in progress");
    // Nothing of the trips is readable in the files.
    for (p, bytes) in all_files(&home) {
        for needle in ["Hembesök", "Påläng", "K-021"] {
            assert!(!contains(&bytes, needle), "{needle} in {}", p.display());
        }
    }

    // Körjournal, CSV: Swedish Excel's dialect, and it reads back to the same trips.
    let csv_path = dir.path().join("korjournal.csv");
    ok(field(
        &home,
        &[
            "export",
            "korjournal",
            "--month",
            "2026-11",
            "--format",
            "csv",
            "--out",
            csv_path.to_str().expect("utf-8 path"),
        ],
    ));
    let bytes = std::fs::read(&csv_path).expect("csv written");
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 BOM");
    let text = String::from_utf8(bytes).expect("UTF-8");
    assert!(text.contains("\r\n") && !text.replace("\r\n", "").contains('\n'));
    assert!(text.contains(";25,3;manuell;"), "{text}");
    let rows = parse_csv(&text).expect("the CSV parses");
    assert_eq!(rows.len(), 4);
    // The payroll copy is the default: "klientbesök" where the team's copy has client codes.
    assert!(!text.contains("K-017") && !text.contains("K-021"), "{text}");
    assert_eq!(text.matches(";klientbesök;").count(), 2, "{text}");
    let team_path = dir.path().join("korjournal-team.csv");
    let out = ok(field(
        &home,
        &[
            "export",
            "korjournal",
            "--month",
            "2026-11",
            "--format",
            "csv",
            "--copy",
            "team",
            "--out",
            team_path.to_str().expect("utf-8 path"),
        ],
    ));
    assert!(out.starts_with("wrote the team körjournal"), "{out}");
    let team = std::fs::read_to_string(&team_path).expect("csv written");
    assert!(
        team.contains(";K-017;") && team.contains(";K-021;"),
        "{team}"
    );
    assert!(!team.contains("klientbesök"));
    let team_rows = parse_csv(&team).expect("the CSV parses");
    assert_eq!(
        team_rows.iter().map(|r| r.km).collect::<Vec<_>>(),
        rows.iter().map(|r| r.km).collect::<Vec<_>>()
    );
    for r in &rows {
        let t = by_id(&r.id.to_string());
        assert_eq!(t["from"].as_str(), Some(r.from.as_str()));
        assert_eq!(t["to"].as_str(), Some(r.to.as_str()));
        assert_eq!(t["purpose"].as_str(), Some(r.purpose.as_str()));
        assert_eq!(t["distance_source"].as_str(), Some(r.source.as_str()));
        assert_eq!(t["vehicle"].as_str(), Some(r.vehicle.to_string().as_str()));
        assert!((t["km"].as_f64().expect("km") - r.km).abs() <= 0.05 + 1e-9);
        assert_eq!(r.driver, "anna");
    }

    // Körjournal, PDF: renders, and its text holds the trips and the totals.
    let pdf_path = dir.path().join("korjournal.pdf");
    ok(field(
        &home,
        &[
            "export",
            "korjournal",
            "--month",
            "2026-11",
            "--format",
            "pdf",
            "--out",
            pdf_path.to_str().expect("utf-8 path"),
        ],
    ));
    assert!(std::fs::read(&pdf_path).expect("pdf").starts_with(b"%PDF-"));
    let text = pdf_file_text(&pdf_path);
    for needle in [
        "Körjournal",
        "anna",
        "november 2026",
        "Töre",
        "Morjärv",
        "Påläng",
        "Hembesök; åter",
        "Nätverksmöte",
        "Tjänstebil ABC123",
        "12041",
        "25,3",
        "41,0",
        "skattefri",
        "skattepliktig",
        "Underskrift",
        "Sida 1 av 1",
    ] {
        assert!(
            text.contains(needle),
            "{needle:?} missing from the PDF text:\n{text}"
        );
    }
    assert!(text.contains("Exemplar för lönen"), "{text}");
    assert!(
        !text.contains("K-017") && text.contains("klientbesök"),
        "{text}"
    );
    let gps_km = format!("{:.1}", (km * 10.0).round() / 10.0).replace('.', ",");
    assert!(text.contains(&gps_km), "{gps_km} missing:\n{text}");
    assert!(text.contains("Summa: 4 resor"), "{text}");
}

#[test]
fn a_recording_by_single_fixes_survives_separate_processes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let home = dir.path().join("home");
    ok(field(&home, &["init", "--user", "anna"]));
    ok(field(
        &home,
        &[
            "trip",
            "start",
            "--from",
            "Kalix",
            "--purpose",
            "Hembesök",
            "--odometer-start",
            "500",
        ],
    ));
    // Every `trip fix` is its own process: the recording lives in the sealed store between them.
    let base = routes::T0_MS;
    for i in 0..30 {
        let lat = format!("{:.6}", 65.853 + f64::from(i) * 0.0002);
        let t = rfc3339(base + i64::from(i) * 2000);
        let o = ok(field(
            &home,
            &[
                "trip",
                "fix",
                "--lat",
                &lat,
                "--lon",
                "23.156",
                "--accuracy",
                "5",
                "--time",
                &t,
            ],
        ));
        assert!(o.contains("accepted"), "{o}");
    }
    let o = field(&home, &["trip", "finish", "--to", "Töre"]);
    assert!(stderr(&o).contains("(gps)"), "{}", stderr(&o));
    let list = json(&ok(field(&home, &["trip", "list", "--json"])));
    let km = list[0]["km"].as_f64().expect("km");
    // 29 steps of 0.0002° latitude ≈ 22.3 m each.
    assert!((km - 0.645).abs() < 0.03, "{km}");
}

#[test]
fn a_trip_from_home_is_paid_beyond_the_home_work_distance() {
    let dir = tempfile::tempdir().expect("temp dir");
    let home = dir.path().join("home");
    ok(field(&home, &["init", "--user", "anna"]));
    let add = |extra: &[&str]| {
        let mut args = vec![
            "trip",
            "add",
            "--to",
            "Kalix",
            "--purpose",
            "Teammöte",
            "--start",
        ];
        args.extend_from_slice(extra);
        ok(field(&home, &args)).trim().to_owned()
    };
    let from_home = add(&[
        "2026-11-24T07:10",
        "--from",
        "Morjärv",
        "--from-home",
        "--km",
        "45,26",
    ]);
    add(&["2026-11-25T07:10", "--from", "Töre", "--km", "40"]);
    let list = json(&ok(field(&home, &["trip", "list", "--json"])));
    let flags: Vec<(bool, bool)> = list
        .as_array()
        .expect("a list")
        .iter()
        .map(|t| (t["id"] == from_home.as_str(), t["from_home"] == true))
        .collect();
    assert_eq!(flags, [(true, true), (false, false)]);

    let export = |format: &str, out: &std::path::Path, extra: &[&str]| {
        let mut args = vec![
            "export",
            "korjournal",
            "--month",
            "2026-11",
            "--format",
            format,
            "--out",
            out.to_str().expect("utf-8 path"),
        ];
        args.extend_from_slice(extra);
        ok(field(&home, &args))
    };
    let csv_path = dir.path().join("k.csv");
    export("csv", &csv_path, &["--home-work-km", "12"]);
    let text = std::fs::read_to_string(&csv_path).expect("csv");
    let rows = parse_csv(&text).expect("parses");
    let deducted: Vec<(f64, bool, f64)> = rows
        .iter()
        .map(|r| (r.km, r.from_home, r.deduction_km))
        .collect();
    assert_eq!(deducted, [(45.3, true, 12.0), (40.0, false, 0.0)]);
    // 33.3 km + 40.0 km at 3.05 kr: 101.57 + 122.00 = 223.57 kr; tax-free 2.50 kr/km:
    // 83.25 + 100.00 = 183.25 kr.
    let pdf_path = dir.path().join("k.pdf");
    export("pdf", &pdf_path, &["--home-work-km", "12"]);
    let pdf = pdf_file_text(&pdf_path);
    for needle in [
        "Morjärv *",
        "(1 resor, 12,0 km). Ersatta km: 73,3",
        "223,57",
        "183,25",
        "40,32",
    ] {
        assert!(
            pdf.contains(needle),
            "{needle:?} missing:
{pdf}"
        );
    }
    // Without the distance nothing is deducted; a distance out of range is refused.
    export("pdf", &pdf_path, &[]);
    assert!(pdf_file_text(&pdf_path).contains("260,17"));
    let o = field(
        &home,
        &[
            "export",
            "korjournal",
            "--month",
            "2026-11",
            "--format",
            "csv",
            "--out",
            csv_path.to_str().expect("utf-8 path"),
            "--home-work-km",
            "900",
        ],
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("home_work_km"), "{}", stderr(&o));
}
