//! `uppsok field` as a script would use it: the real binary, a real store in a temp dir. Checks
//! the command names and exit codes, the JSON field names, refusal of invalid input, the wrong
//! passphrase, and that no sensitive string reaches any file in the home directory.

mod field_support;

use field_support::*;
use serde_json::Value;
use std::path::Path;

const NAME: &str = "Aino Känsligsdotter";
const NOTE: &str = "Sov dåligt, oro inför rättegången";
const PLACE: &str = "Hemligträsk";

#[test]
fn a_field_session() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("field");
    let out = ok(field(&home, &["init", "--user", "anna"]));
    assert!(out.contains("anna"), "{out}");
    // A second init is refused, and the first store is left as it was.
    let again = field(&home, &["init"]);
    assert_eq!(again.status.code(), Some(1));

    ok(field(
        &home,
        &[
            "client",
            "add",
            "--code",
            "K-017",
            "--name",
            NAME,
            "--consent",
            "given",
        ],
    ));
    ok(field(
        &home,
        &[
            "client",
            "add",
            "--code",
            "K-018",
            "--name",
            "Bo Berg",
            "--phase",
            "active",
            "--next-contact",
            "2026-12-01",
        ],
    ));
    let start = yesterday_at("10:00");
    let id = ok(field(
        &home,
        &[
            "visit",
            "add",
            "--client",
            "K-017",
            "--start",
            &start,
            "--minutes",
            "45",
            "--contact",
            "face_to_face",
            "--setting",
            "home",
            "--place",
            PLACE,
            "--with",
            "bo",
            "--network",
            "--note",
            NOTE,
        ],
    ));
    let id = id.trim().to_owned();
    assert_eq!(id.len(), 36, "prints the new visit id: {id}");
    ok(field(
        &home,
        &[
            "visit",
            "add",
            "--client",
            "K-018",
            "--start",
            &yesterday_at("13:30"),
            "--minutes",
            "10",
            "--contact",
            "attempted",
        ],
    ));

    let list: Value = serde_json::from_str(&ok(field(
        &home,
        &["visit", "list", "--client", "K-017", "--json"],
    )))
    .unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1);
    let v = &list[0];
    assert_eq!(v["id"], id.as_str());
    assert_eq!(v["client_code"], "K-017");
    assert_eq!(v["minutes"], 45);
    assert_eq!(v["contact"], "face_to_face");
    assert_eq!(v["setting"], "home");
    assert_eq!(v["place"], PLACE);
    assert_eq!(v["note"], NOTE);
    assert_eq!(v["network"], true);
    assert_eq!(v["staff"], serde_json::json!(["anna", "bo"]));
    assert!(v["client"].as_str().unwrap().len() == 36 && v["start"].as_str().is_some());

    let all: Value = serde_json::from_str(&ok(field(&home, &["visit", "list", "--json"]))).unwrap();
    assert_eq!(all.as_array().unwrap().len(), 2);
    let clients: Value =
        serde_json::from_str(&ok(field(&home, &["client", "list", "--json"]))).unwrap();
    assert_eq!(clients[0]["code"], "K-017");
    assert_eq!(clients[0]["name"], NAME);
    assert_eq!(clients[0]["consent"]["state"], "given");
    let text = ok(field(&home, &["visit", "list"]));
    assert!(text.contains("K-017") && text.contains(PLACE));

    let status: Value = serde_json::from_str(&ok(field(&home, &["status", "--json"]))).unwrap();
    assert_eq!(status["clients"], 2);
    assert_eq!(status["visits"], 2);
    assert_eq!(status["outbox_pending"], 4);

    // edit and delete
    ok(field(&home, &["visit", "edit", &id, "--minutes", "50"]));
    ok(field(&home, &["visit", "delete", &id]));
    let status: Value = serde_json::from_str(&ok(field(&home, &["status", "--json"]))).unwrap();
    assert_eq!(status["visits"], 1);
    assert_eq!(status["outbox_pending"], 6);

    for (path, bytes) in all_files(&home) {
        for secret in [NAME, NOTE, PLACE, "Bo Berg"] {
            assert!(
                !contains(&bytes, secret),
                "{} holds a sensitive string",
                path.display()
            );
        }
    }
}

#[test]
fn wrong_passphrase_exits_2_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("field");
    ok(field(&home, &["init"]));
    let o = field_with(&home, &["status"], "not the passphrase");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("wrong key") && err.contains("passphrase"),
        "{err}"
    );
    assert!(stdout(&o).is_empty());
    // No store at all is exit 1, not 2.
    let o = field(&dir.path().join("nothing"), &["status"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("init"));
}

#[test]
fn invalid_input_is_refused_with_field_and_rule_and_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("field");
    ok(field(&home, &["init"]));
    ok(field(
        &home,
        &["client", "add", "--code", "K-017", "--name", NAME],
    ));
    let start = yesterday_at("10:00");
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("minutes", vec!["--minutes", "0", "--contact", "phone"]),
        ("minutes", vec!["--minutes", "2000", "--contact", "phone"]),
        (
            "setting",
            vec!["--minutes", "30", "--contact", "face_to_face"],
        ),
        (
            "setting",
            vec!["--minutes", "30", "--contact", "phone", "--setting", "home"],
        ),
        ("contact", vec!["--minutes", "30", "--contact", "teleport"]),
        (
            "place",
            vec![
                "--minutes",
                "30",
                "--contact",
                "phone",
                "--place",
                "Storgatan 5",
            ],
        ),
    ];
    for (field_name, extra) in cases {
        let mut args = vec!["visit", "add", "--client", "K-017", "--start", &start];
        args.extend(extra);
        let o = field(&home, &args);
        assert_eq!(o.status.code(), Some(1), "{field_name}");
        let err = stderr(&o);
        assert!(
            err.contains(&format!("{field_name}:")),
            "{field_name}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(!err.contains("Storgatan"), "never echoes input: {err}");
    }
    let o = field(
        &home,
        &[
            "visit",
            "add",
            "--client",
            "K-017",
            "--start",
            "2026-13-45T10:00",
            "--minutes",
            "5",
            "--contact",
            "phone",
        ],
    );
    assert!(stderr(&o).contains("start:"), "{}", stderr(&o));
    let o = field(&home, &["client", "add", "--code", "k17", "--name", "X"]);
    assert!(stderr(&o).contains("code:"), "{}", stderr(&o));
    let status: Value = serde_json::from_str(&ok(field(&home, &["status", "--json"]))).unwrap();
    assert_eq!(
        (
            status["clients"].as_u64(),
            status["visits"].as_u64(),
            status["outbox_pending"].as_u64()
        ),
        (Some(1), Some(0), Some(1))
    );
}

#[test]
fn wipe_removes_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("field");
    ok(field(&home, &["init"]));
    assert_eq!(
        field(&home, &["wipe"]).status.code(),
        Some(64),
        "needs --yes: a usage error"
    );
    ok(field(&home, &["wipe", "--yes"]));
    assert!(all_files(&home).is_empty());
    assert_eq!(field(&home, &["status"]).status.code(), Some(1));
}

/// One damaged record does not take the client list down; `status` counts it and `repair`
/// removes it (the next sync would bring the server's copy).
#[test]
fn a_damaged_record_is_left_out_counted_and_repaired() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("field");
    ok(field(&home, &["init", "--user", "anna"]));
    for (code, name) in [("K-017", NAME), ("K-018", "Bo Berg")] {
        ok(field(
            &home,
            &["client", "add", "--code", code, "--name", name],
        ));
    }
    // Flip one byte of the sealed body of one client, as failing flash would.
    let db = home.join("uppsok.db");
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(async {
            use sqlx::Connection;
            let url = format!("sqlite://{}", db.display());
            let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
            let (id, mut body): (Vec<u8>, Vec<u8>) =
                sqlx::query_as("SELECT id, body FROM client LIMIT 1")
                    .fetch_one(&mut c)
                    .await
                    .unwrap();
            body[30] ^= 0x01;
            sqlx::query("UPDATE client SET body = $1 WHERE id = $2")
                .bind(body)
                .bind(id)
                .execute(&mut c)
                .await
                .unwrap();
            c.close().await.unwrap();
        });

    let list: Value =
        serde_json::from_str(&ok(field(&home, &["client", "list", "--json"]))).unwrap();
    assert_eq!(
        list.as_array().unwrap().len(),
        1,
        "the readable client is still listed"
    );
    let status: Value = serde_json::from_str(&ok(field(&home, &["status", "--json"]))).unwrap();
    assert_eq!(status["damaged"], 1);
    let text = ok(field(&home, &["status"]));
    assert!(text.contains("damaged records: 1"), "{text}");
    assert!(!text.contains(NAME) && !text.contains("Bo Berg"));

    // Never synced: the change still waiting holds the client, and the row is rewritten from it.
    let said = ok(field(&home, &["repair"]));
    assert!(said.contains("repaired 1 damaged"), "{said}");
    let status: Value = serde_json::from_str(&ok(field(&home, &["status", "--json"]))).unwrap();
    assert_eq!(status["damaged"], 0);
    assert_eq!(status["clients"], 2);
    let list = ok(field(&home, &["client", "list"]));
    assert!(list.contains("K-017") && list.contains("K-018"), "{list}");
    assert!(ok(field(&home, &["repair"])).contains("no damaged records"));
}

#[test]
fn a_new_store_needs_a_real_passphrase_and_keeps_its_files_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("field");
    for weak in ["abc", "aaaaaaaaaaaaaa"] {
        let o = field_with(&home, &["init"], weak);
        assert_eq!(o.status.code(), Some(1), "{weak}");
        let err = stderr(&o);
        assert!(err.contains("at least 10 characters"), "{err}");
        assert!(!err.contains(weak), "the passphrase is not echoed");
        assert!(!home.exists(), "nothing written for {weak}");
    }
    ok(field(&home, &["init", "--user", "anna"]));
    ok(field(
        &home,
        &["client", "add", "--code", "K-001", "--name", "Aino Niemi"],
    ));
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&home), 0o700);
    let files = all_files(&home);
    assert!(!files.is_empty());
    for (f, _) in files {
        assert_eq!(mode(&f), 0o600, "{}", f.display());
    }
    // An existing store with loose modes is tightened on its next use.
    std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o755)).unwrap();
    ok(field(&home, &["status"]));
    assert_eq!(mode(&home), 0o700);
}

#[test]
fn a_server_address_without_a_scheme_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("field");
    let o = field(
        &home,
        &[
            "init",
            "--user",
            "anna",
            "--server",
            "127.0.0.1:18080",
            "--enrol",
            "ABCD-EFGH",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("must start with https://"), "{err}");
    assert!(!err.contains("connection"), "{err}");
}

/// Runs a command that must fail with exit 1 and returns its one line on stderr.
fn refused(home: &Path, args: &[&str]) -> String {
    let out = field(home, args);
    assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
    let err = stderr(&out);
    assert!(!err.contains(NAME) && !err.contains("Bo Berg"), "{err}");
    err
}

#[test]
fn the_act_fields_of_clients_and_contacts_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("field");
    ok(field(&home, &["init", "--user", "anna"]));
    let add = |code: &str, name: &str, extra: &[&str]| {
        let mut args = vec!["client", "add", "--code", code, "--name", name];
        args.extend_from_slice(extra);
        ok(field(&home, &args))
    };
    add(
        "K-001",
        NAME,
        &[
            "--admitted",
            "2026-03-02",
            "--referral",
            "psychiatry",
            "--contact-person",
            "anna",
            "--deputy",
            "bo",
            "--protected",
            "--consent",
            "given",
            "--consent-scope",
            "contacts_and_outcomes",
            "--consent-until",
            "2027-01-31",
        ],
    );
    add(
        "K-002",
        "Bo Berg",
        &["--contact-person", "bo", "--admitted", "2026-01-15"],
    );
    add(
        "K-003",
        "Cia Ek",
        &["--contact-person", "bo", "--deputy", "anna"],
    );

    let mine: Value =
        serde_json::from_str(&ok(field(&home, &["client", "list", "--mine", "--json"]))).unwrap();
    let codes: Vec<&str> = mine
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["K-001", "K-003"], "contact person or deputy");
    let c = &mine[0];
    assert_eq!(c["admitted"], "2026-03-02");
    assert_eq!(c["referral"], "psychiatry");
    assert_eq!(c["contact_person"], "anna");
    assert_eq!(c["deputy"], "bo");
    assert_eq!(c["protected_identity"], true);
    assert_eq!(c["consent"]["scope"], "contacts_and_outcomes");
    assert_eq!(c["consent"]["until"], "2027-01-31");
    assert_eq!(c["consent"]["recorded_by"], "anna");
    // The protected client's name is not in the text listing.
    let text = ok(field(&home, &["client", "list"]));
    assert!(!text.contains(NAME) && text.contains("(skyddad)"), "{text}");

    // Closing needs a coded reason; "other" needs the words too.
    let err = refused(&home, &["client", "edit", "K-002", "--phase", "closed"]);
    assert!(err.contains("closure"), "{err}");
    let err = refused(
        &home,
        &[
            "client",
            "edit",
            "K-002",
            "--phase",
            "closed",
            "--closure",
            "other",
        ],
    );
    assert!(err.contains("closed_reason"), "{err}");
    let err = refused(
        &home,
        &[
            "client",
            "edit",
            "K-002",
            "--phase",
            "closed",
            "--closure",
            "gone",
        ],
    );
    assert!(err.contains("closure"), "{err}");
    ok(field(
        &home,
        &[
            "client",
            "edit",
            "K-002",
            "--phase",
            "closed",
            "--closure",
            "moved",
            "--closed-on",
            &yesterday_at("10:00")[..10],
        ],
    ));
    // K-003 was admitted today (the default): it cannot have closed yesterday.
    let err = refused(
        &home,
        &[
            "client",
            "edit",
            "K-003",
            "--phase",
            "closed",
            "--closure",
            "moved",
            "--closed-on",
            &yesterday_at("10:00")[..10],
        ],
    );
    assert!(err.contains("closed_on"), "{err}");
    // The deputy must differ from the contact person; nothing changes when refused.
    let err = refused(&home, &["client", "edit", "K-003", "--deputy", "bo"]);
    assert!(err.contains("deputy"), "{err}");
    ok(field(
        &home,
        &["client", "edit", "K-001", "--protected", "false"],
    ));
    let all: Value =
        serde_json::from_str(&ok(field(&home, &["client", "list", "--json"]))).unwrap();
    assert_eq!(all[0]["protected_identity"], false);
    assert_eq!(
        all[0]["contact_person"], "anna",
        "kept by an edit of another field"
    );
    assert_eq!(all[1]["closure"], "moved");
    assert_eq!(all[1]["closed_on"], &yesterday_at("10:00")[..10]);
    assert_eq!(all[2]["deputy"], "anna");

    // A call with the client's mother while the client was away, and a group activity.
    let start = yesterday_at("09:00");
    let absent = ok(field(
        &home,
        &[
            "visit",
            "add",
            "--client",
            "K-001",
            "--start",
            &start,
            "--minutes",
            "15",
            "--contact",
            "phone",
            "--client-absent",
        ],
    ));
    let err = refused(
        &home,
        &[
            "visit",
            "add",
            "--client",
            "K-001",
            "--start",
            &start,
            "--minutes",
            "15",
            "--contact",
            "attempted",
            "--client-absent",
        ],
    );
    assert!(err.contains("client_present"), "{err}");
    ok(field(
        &home,
        &[
            "visit",
            "add",
            "--client",
            "K-003",
            "--start",
            &yesterday_at("13:00"),
            "--minutes",
            "90",
            "--contact",
            "face_to_face",
            "--setting",
            "community",
            "--group",
        ],
    ));
    let visits: Value =
        serde_json::from_str(&ok(field(&home, &["visit", "list", "--json"]))).unwrap();
    assert_eq!(visits[0]["id"], absent.trim());
    assert_eq!(visits[0]["client_present"], false);
    assert_eq!(visits[0]["network"], true, "a network-only contact");
    assert_eq!(visits[0]["group"], false);
    assert_eq!(visits[1]["client_present"], true);
    assert_eq!(visits[1]["group"], true);
    let text = ok(field(&home, &["visit", "list"]));
    assert!(
        text.contains("phone (network only)") && text.contains("face_to_face (group)"),
        "{text}"
    );
    // Edited back: the client took part after all.
    ok(field(
        &home,
        &[
            "visit",
            "edit",
            absent.trim(),
            "--set-client-present",
            "true",
        ],
    ));
    let visits: Value =
        serde_json::from_str(&ok(field(&home, &["visit", "list", "--json"]))).unwrap();
    assert_eq!(visits[0]["client_present"], true);
}
