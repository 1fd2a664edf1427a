//! `uppsok field outcome` as a script would use it: the real binary, a real store in a temp dir.
//! An outcome of each kind recorded and listed newest first (text and JSON, the model's field
//! names), wrong input refused with the field named and nothing written, and the client's name
//! never in an error.

mod field_support;

use field_support::*;
use serde_json::Value;
use std::path::Path;

const NAME: &str = "Aino Känsligsdotter";

fn refused(home: &Path, args: &[&str]) -> String {
    let out = field(home, args);
    assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
    let err = stderr(&out);
    assert!(!err.contains(NAME), "{err}");
    err
}

fn listed(home: &Path) -> Vec<Value> {
    let out = ok(field(
        home,
        &["outcome", "list", "--client", "K-017", "--json"],
    ));
    serde_json::from_str::<Value>(&out)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn outcomes_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("field");
    ok(field(&home, &["init", "--user", "anna"]));
    ok(field(
        &home,
        &["client", "add", "--code", "K-017", "--name", NAME],
    ));
    assert_eq!(
        ok(field(&home, &["outcome", "list", "--client", "K-017"])),
        "no outcomes\n"
    );

    let stay = ok(field(
        &home,
        &[
            "outcome",
            "add",
            "--client",
            "K-017",
            "--kind",
            "inpatient",
            "--care",
            "psychiatric",
            "--day",
            "2026-03-02",
            "--discharged",
            "2026-03-09",
            "--compulsory",
            "--source",
            "inpatient_care",
        ],
    ));
    let stay = stay.trim().to_owned();
    assert_eq!(stay.len(), 36, "prints the new outcome's id: {stay}");
    ok(field(
        &home,
        &[
            "outcome",
            "add",
            "--client",
            "K-017",
            "--kind",
            "housing",
            "--housing",
            "secondhand",
            "--day",
            "2026-04-01",
        ],
    ));
    ok(field(
        &home,
        &[
            "outcome",
            "add",
            "--client",
            "K-017",
            "--kind",
            "satisfaction",
            "--respondent",
            "relative",
            "--answers",
            "4,,5,1",
            "--day",
            "2026-05-20",
            "--source",
            "relative",
        ],
    ));

    let rows = listed(&home);
    let days: Vec<&str> = rows.iter().map(|r| r["day"].as_str().unwrap()).collect();
    assert_eq!(days, ["2026-05-20", "2026-04-01", "2026-03-02"]);
    assert_eq!(rows[0]["event"]["kind"], "satisfaction");
    assert_eq!(
        rows[0]["event"]["answers"],
        serde_json::json!([4, null, 5, 1])
    );
    assert_eq!(rows[1]["event"]["housing"], "secondhand");
    assert_eq!(rows[1]["source"], "client", "the default source");
    assert_eq!(rows[2]["id"], stay.as_str());
    assert_eq!(rows[2]["event"]["care"], "psychiatric");
    assert_eq!(rows[2]["event"]["discharged"], "2026-03-09");
    assert_eq!(rows[2]["event"]["compulsory"], true);
    assert_eq!(rows[2]["author"], "anna");

    let text = ok(field(&home, &["outcome", "list", "--client", "K-017"]));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(
        lines[2].contains("2026-03-02")
            && lines[2].contains("psychiatric LPT until:2026-03-09")
            && lines[2].contains("source:inpatient_care"),
        "{text}"
    );
    assert!(lines[0].contains("relative 4,-,5,1"), "{text}");
    assert!(
        !text.contains(NAME),
        "the list shows the code, never the name"
    );

    // The discharge came later than typed: the author edits the stay.
    ok(field(
        &home,
        &[
            "outcome",
            "edit",
            &stay,
            "--client",
            "K-017",
            "--kind",
            "inpatient",
            "--care",
            "psychiatric",
            "--day",
            "2026-03-02",
            "--discharged",
            "2026-03-12",
            "--source",
            "inpatient_care",
        ],
    ));
    let rows = listed(&home);
    assert_eq!(rows[2]["event"]["discharged"], "2026-03-12");
    assert_eq!(rows[2]["event"]["compulsory"], false);

    // Each refusal names the field, and nothing is written.
    let status_before = ok(field(&home, &["status", "--json"]));
    let cases: [(&[&str], &str); 7] = [
        (&["--kind", "inpatient"], "care"),
        (&["--kind", "stay"], "kind"),
        (
            &[
                "--kind",
                "inpatient",
                "--care",
                "addiction",
                "--day",
                "2026-03-02",
                "--discharged",
                "2026-03-01",
            ],
            "discharged",
        ),
        (&["--kind", "emergency", "--day", "1989-12-31"], "day"),
        (&["--kind", "emergency", "--source", "neighbour"], "source"),
        (&["--kind", "satisfaction", "--answers", "6,,,"], "answers"),
        (&["--kind", "satisfaction", "--answers", ",,,"], "answers"),
    ];
    for (extra, field_name) in cases {
        let mut args = vec!["outcome", "add", "--client", "K-017"];
        args.extend_from_slice(extra);
        let err = refused(&home, &args);
        assert!(
            err.contains(&format!("invalid input: {field_name}:")),
            "{extra:?}: {err}"
        );
    }
    let err = refused(
        &home,
        &["outcome", "add", "--client", "K-099", "--kind", "emergency"],
    );
    assert!(err.contains("client"), "{err}");
    assert_eq!(ok(field(&home, &["status", "--json"])), status_before);
    assert_eq!(listed(&home).len(), 3);

    let out = ok(field(&home, &["outcome", "delete", &stay]));
    assert_eq!(out.trim(), format!("deleted {stay}"));
    assert_eq!(listed(&home).len(), 2);
}
