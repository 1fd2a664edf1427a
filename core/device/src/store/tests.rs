//! Store tests on real SQLite files in temporary directories: the store's must-holds that can
//! be checked in-process (nothing sensitive on disk, wrong key vs tamper, AAD binding,
//! migrations from every earlier version, round trips), plus the outbox contract sync relies on.

use super::*;
use crate::crypto::{FixedKeyProvider, KdfParams, Kek, PassphraseKeyProvider};
use chrono::{Duration, TimeZone};
use proptest::prelude::*;
use uppsok_model::{
    ContactKind, DistanceSource, Note, PersonName, Phase, PlaceName, Purpose, Setting, Username,
    Vehicle,
};

fn pass(p: &str) -> PassphraseKeyProvider {
    PassphraseKeyProvider::new(p, KdfParams::insecure_for_tests(1_000))
}

fn profile() -> Profile {
    Profile::local(Username::parse("anna").unwrap())
}

struct Fixture {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("uppsok.db");
    Fixture { _dir: dir, path }
}

fn new_store(f: &Fixture) -> Store {
    Store::create(&f.path, &pass("hemligt lösen"), &profile()).unwrap()
}

fn client(p: &Profile, code: &str, name: &str) -> Client {
    Client {
        id: ClientId::new(),
        team: p.team,
        code: ClientCode::parse(code).unwrap(),
        name: PersonName::parse(name).unwrap(),
        org: p.org,
        phase: Phase::Intake,
        closed_reason: None,
        next_contact: None,
        consent: Default::default(),
        admitted: None,
        referral: None,
        contact_person: None,
        deputy: None,
        closed_on: None,
        closure: None,
        protected_identity: false,
    }
}

fn visit(client: ClientId, start: DateTime<Utc>, place: &str, note: &str) -> Visit {
    let anna = Username::parse("anna").unwrap();
    Visit {
        id: VisitId::new(),
        client,
        author: anna.clone(),
        staff: vec![anna],
        start,
        minutes: 45,
        contact: ContactKind::FaceToFace,
        setting: Some(Setting::Home),
        network: false,
        place: Some(PlaceName::parse(place).unwrap()),
        note: Some(Note::parse(note).unwrap()),
        client_present: true,
        group: false,
    }
}

fn trip(address: &str) -> Trip {
    Trip {
        id: TripId::new(),
        driver: Username::parse("anna").unwrap(),
        vehicle: Vehicle::Own,
        start: Utc::now() - Duration::hours(3),
        end: Some(Utc::now() - Duration::hours(2)),
        from: PlaceName::parse("Kalix").unwrap(),
        to: PlaceName::parse("Morjärv").unwrap(),
        from_address: None,
        to_address: Some(uppsok_model::Address::parse(address).unwrap()),
        purpose: Purpose::parse("Hembesök").unwrap(),
        visited: Some("K-017".into()),
        visits: vec![],
        km: 40.0,
        distance_source: DistanceSource::Manual,
        odometer_start: None,
        odometer_end: None,
        gps: None,
        distance_confirmed: false,
        from_home: false,
    }
}

fn files_of(path: &Path) -> Vec<Vec<u8>> {
    let dir = path.parent().unwrap();
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect()
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn nothing_sensitive_reaches_the_files() {
    let f = fixture();
    let s = new_store(&f);
    let p = s.profile().unwrap();
    let c = client(&p, "K-017", "Aino Sensitivsson");
    s.save_client(&c).unwrap();
    let secrets = [
        "Aino Sensitivsson",
        "Hemlighetsby",
        "mådde uselt efter utskrivningen",
        "Storgatan 5B",
    ];
    for i in 0..50 {
        let mut v = visit(
            c.id,
            Utc::now() - Duration::hours(i),
            "Hemlighetsby",
            "mådde uselt efter utskrivningen",
        );
        v.minutes = 10 + i as u16;
        s.save_visit(&v).unwrap();
    }
    s.save_trip(&trip("Storgatan 5B")).unwrap();
    s.put_sealed_blob("recorder", b"Hemlighetsby fixes")
        .unwrap();
    // Files are inspected while the store is open (WAL not yet checkpointed) and after closing.
    for bytes in files_of(&f.path) {
        for secret in secrets {
            assert!(
                !contains(&bytes, secret),
                "found a sensitive string on disk"
            );
        }
        assert!(
            !contains(&bytes, "K-017"),
            "client code is blind-indexed, not plain"
        );
    }
    drop(s);
    for bytes in files_of(&f.path) {
        for secret in secrets {
            assert!(!contains(&bytes, secret));
        }
    }
    let s = Store::open(&f.path, &pass("hemligt lösen")).unwrap();
    assert_eq!(s.clients().unwrap()[0].name.as_str(), "Aino Sensitivsson");
    assert_eq!(s.visits(&VisitFilter::default()).unwrap().len(), 50);
}

#[test]
fn wrong_passphrase_is_wrong_key_and_changes_nothing() {
    let f = fixture();
    drop(new_store(&f));
    let before = std::fs::read(&f.path).unwrap();
    let e = Store::open(&f.path, &pass("fel lösen")).err().unwrap();
    assert!(matches!(e, DeviceError::WrongKey), "{e}");
    assert!(e.to_string().contains("wrong key"));
    assert_eq!(std::fs::read(&f.path).unwrap(), before);
    let other = FixedKeyProvider::new(Kek::from_bytes([3; 32]));
    assert!(matches!(
        Store::open(&f.path, &other),
        Err(DeviceError::WrongKey)
    ));
    assert!(matches!(
        Store::open(f.path.with_extension("nope"), &other),
        Err(DeviceError::NoStore)
    ));
    assert!(matches!(
        Store::create(&f.path, &pass("x"), &profile()),
        Err(DeviceError::AlreadyExists)
    ));
}

/// Run SQL on the raw file, as an attacker or a bad disk would.
fn raw(path: &Path) -> Connection {
    Connection::open(path).unwrap()
}

#[test]
fn one_flipped_byte_fails_exactly_that_read() {
    let f = fixture();
    let s = new_store(&f);
    let p = s.profile().unwrap();
    let c = client(&p, "K-001", "Nils");
    s.save_client(&c).unwrap();
    let a = visit(c.id, Utc::now() - Duration::days(1), "Töre", "a");
    let b = visit(c.id, Utc::now() - Duration::days(2), "Töre", "b");
    s.save_visit(&a).unwrap();
    s.save_visit(&b).unwrap();
    drop(s);
    {
        let db = raw(&f.path);
        let body: Vec<u8> = db
            .query_row(
                "SELECT body FROM visit WHERE id = ?1",
                [a.id.0.as_bytes().as_slice()],
                |r| r.get(0),
            )
            .unwrap();
        for i in [0, 5, 20, body.len() - 1] {
            let mut t = body.clone();
            t[i] ^= 0x01;
            db.execute(
                "UPDATE visit SET body = ?2 WHERE id = ?1",
                params![a.id.0.as_bytes().as_slice(), t],
            )
            .unwrap();
            let s = Store::open(&f.path, &pass("hemligt lösen")).unwrap();
            let e = s.visit(a.id).unwrap_err();
            assert!(
                matches!(
                    e,
                    DeviceError::Tampered {
                        what: "visit record"
                    }
                ),
                "{e}"
            );
            assert_eq!(
                e.to_string(),
                "the stored visit record has been altered or damaged and cannot be read"
            );
            assert_eq!(s.visit(b.id).unwrap(), b, "other rows still read");
            assert_eq!(s.client(c.id).unwrap(), c);
        }
    }
}

#[test]
fn a_damaged_row_leaves_the_listings_readable_and_can_be_repaired() {
    let f = fixture();
    let s = new_store(&f);
    let p = s.profile().unwrap();
    let c1 = client(&p, "K-001", "Nils");
    let c2 = client(&p, "K-002", "Stina");
    s.save_client(&c1).unwrap();
    s.save_client(&c2).unwrap();
    let a = visit(c1.id, Utc::now() - Duration::days(1), "Töre", "a");
    let b = visit(c1.id, Utc::now() - Duration::days(2), "Töre", "b");
    s.save_visit(&a).unwrap();
    s.save_visit(&b).unwrap();
    let synced: Vec<ChangeId> = s
        .outbox_batch(100)
        .unwrap()
        .iter()
        .map(|e| e.change_id)
        .collect();
    s.ack(&synced).unwrap();
    s.write(|w| w.set_pull_cursor(40)).unwrap();
    // Visit `b` has an edit still waiting to be sent.
    let mut b2 = b.clone();
    b2.minutes = 60;
    s.save_visit(&b2).unwrap();
    drop(s);
    {
        let db = raw(&f.path);
        for (table, id) in [("client", c2.id.0), ("visit", a.id.0), ("visit", b.id.0)] {
            let mut body: Vec<u8> = db
                .query_row(
                    &format!("SELECT body FROM {table} WHERE id = ?1"),
                    [id.as_bytes().as_slice()],
                    |r| r.get(0),
                )
                .unwrap();
            body[20] ^= 0x01;
            db.execute(
                &format!("UPDATE {table} SET body = ?2 WHERE id = ?1"),
                params![id.as_bytes().as_slice(), body],
            )
            .unwrap();
        }
    }
    let s = Store::open(&f.path, &pass("hemligt lösen")).unwrap();
    assert_eq!(
        s.clients().unwrap(),
        vec![c1.clone()],
        "the readable client is listed"
    );
    assert!(s.visits(&VisitFilter::default()).unwrap().is_empty());
    let mut damaged = s.damaged_records();
    damaged.sort();
    let mut expected = vec![
        (Entity::Client, c2.id.0),
        (Entity::Visit, a.id.0),
        (Entity::Visit, b.id.0),
    ];
    expected.sort();
    assert_eq!(damaged, expected);
    // Exact reads still say what is wrong.
    assert!(matches!(s.client(c2.id), Err(DeviceError::Tampered { .. })));

    // Repair: the row with a waiting change is rewritten from it; the others go, and the
    // cursor goes back so the server sends its copies again.
    assert_eq!(s.repair_damaged().unwrap(), 3);
    assert!(s.damaged_records().is_empty());
    assert_eq!(s.pull_cursor().unwrap(), Some(0));
    assert!(matches!(s.client(c2.id), Err(DeviceError::NotFound { .. })));
    assert_eq!(
        s.visit(b.id).unwrap(),
        b2,
        "rewritten from the waiting edit"
    );
    assert_eq!(
        s.pending_for(b.id.0).unwrap(),
        1,
        "the waiting edit is still sent"
    );
    assert_eq!(s.visits(&VisitFilter::default()).unwrap(), vec![b2.clone()]);
    // The server's copy comes back through an ordinary pull.
    let hlc = Hlc {
        wall_ms: Utc::now().timestamp_millis(),
        counter: 0,
        node: 3,
    };
    s.apply_remote(&Record::Client(c2.clone()), hlc, false)
        .unwrap();
    assert_eq!(s.clients().unwrap(), vec![c1, c2]);
    assert_eq!(s.repair_damaged().unwrap(), 0, "nothing else to repair");
}

#[test]
fn ciphertext_copied_to_another_row_does_not_open() {
    let f = fixture();
    let s = new_store(&f);
    let p = s.profile().unwrap();
    let c1 = client(&p, "K-001", "Nils");
    let c2 = client(&p, "K-002", "Lisa");
    s.save_client(&c1).unwrap();
    s.save_client(&c2).unwrap();
    drop(s);
    let db = raw(&f.path);
    db.execute(
        "UPDATE client SET body = (SELECT body FROM client WHERE id = ?1) WHERE id = ?2",
        [c1.id.0.as_bytes().as_slice(), c2.id.0.as_bytes().as_slice()],
    )
    .unwrap();
    // and an outbox entry's sealed record into the record table
    db.execute(
        "UPDATE client SET body = (SELECT body FROM outbox WHERE record_id = ?1) WHERE id = ?1",
        [c1.id.0.as_bytes().as_slice()],
    )
    .unwrap();
    let s = Store::open(&f.path, &pass("hemligt lösen")).unwrap();
    assert!(matches!(s.client(c2.id), Err(DeviceError::Tampered { .. })));
    assert!(matches!(s.client(c1.id), Err(DeviceError::Tampered { .. })));
}

#[test]
fn damaged_key_slot_is_tamper_not_wrong_key() {
    let f = fixture();
    drop(new_store(&f));
    let db = raw(&f.path);
    let mut w: Vec<u8> = db
        .query_row("SELECT wrapped_dek FROM key", [], |r| r.get(0))
        .unwrap();
    w[20] ^= 0x80;
    db.execute("UPDATE key SET wrapped_dek = ?1", [w]).unwrap();
    drop(db);
    let e = Store::open(&f.path, &pass("hemligt lösen")).err().unwrap();
    assert!(
        matches!(e, DeviceError::Tampered { what: "key slot" }),
        "{e}"
    );
}

/// A flipped byte in the salt or the canary is damage, not a wrong passphrase: the person is
/// not sent to type a right passphrase again and again.
#[test]
fn damaged_salt_or_canary_is_tamper_not_wrong_key() {
    for column in ["salt", "canary"] {
        let f = fixture();
        drop(new_store(&f));
        let db = raw(&f.path);
        let mut v: Vec<u8> = db
            .query_row(&format!("SELECT {column} FROM key"), [], |r| r.get(0))
            .unwrap();
        v[3] ^= 0x01;
        db.execute(&format!("UPDATE key SET {column} = ?1"), [v])
            .unwrap();
        drop(db);
        let e = Store::open(&f.path, &pass("hemligt lösen")).err().unwrap();
        assert!(
            matches!(e, DeviceError::Tampered { what: "key slot" }),
            "{column}: {e}"
        );
        // And a wrong passphrase on an intact slot is still a wrong key.
        let g = fixture();
        drop(new_store(&g));
        assert!(matches!(
            Store::open(&g.path, &pass("fel lösen här")).err().unwrap(),
            DeviceError::WrongKey
        ));
    }
}

#[test]
fn newer_schema_is_refused() {
    let f = fixture();
    drop(new_store(&f));
    raw(&f.path)
        .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    let e = Store::open(&f.path, &pass("hemligt lösen")).err().unwrap();
    assert!(
        matches!(e, DeviceError::NewerSchema { found, supported } if found == SCHEMA_VERSION + 1 && supported == SCHEMA_VERSION)
    );
}

/// A store as an app at `version` made it: that version's scripts only, with a key slot, a
/// profile, a client and a visit written the way that version wrote them.
fn fixture_at_version(path: &Path, version: u32) -> (Client, Visit) {
    let mut conn = open_connection(path, true).unwrap();
    schema::migrate_to(&mut conn, version).unwrap();
    assert_eq!(schema::user_version(&conn).unwrap(), version);
    let (dek, slot) = crypto::new_slot(&pass("hemligt lösen")).unwrap();
    let keys = keys_from(&dek).unwrap();
    let p = profile();
    let c = client(&p, "K-017", "Aino");
    let v = visit(
        c.id,
        Utc::now() - Duration::days(3),
        "Töre",
        "Gammal anteckning",
    );
    let tx = conn.transaction().unwrap();
    tx.execute(
        "INSERT INTO key (id, salt, wrapped_dek, canary) VALUES (1, ?1, ?2, ?3)",
        params![slot.salt, slot.wrapped_dek, slot.canary],
    )
    .unwrap();
    meta::set(&tx, meta::NODE, "7").unwrap();
    meta::set_profile(&tx, &p).unwrap();
    let hlc = Hlc {
        wall_ms: 1,
        counter: 0,
        node: 7,
    };
    for r in [Record::Client(c.clone()), Record::Visit(v.clone())] {
        let json = records::encode(&r).unwrap();
        records::put(&tx, &keys, &r, &json, hlc).unwrap();
        // Only the columns of version 1's outbox, as every version's app wrote them.
        let cid = uppsok_model::ChangeId::new();
        let body = keys
            .cipher
            .seal(
                crate::crypto::Aad::new("outbox", cid.0.as_bytes(), "record"),
                &json,
            )
            .unwrap();
        tx.execute(
            "INSERT INTO outbox (change_id, entity, record_id, hlc, deleted, body)
             VALUES (?1, ?2, ?3, ?4, 0, ?5)",
            params![
                cid.0.as_bytes().as_slice(),
                r.entity().as_str(),
                r.id().as_bytes().as_slice(),
                hlc.to_string(),
                body
            ],
        )
        .unwrap();
    }
    tx.commit().unwrap();
    (c, v)
}

#[test]
fn migrations_from_every_earlier_version_reach_the_current_one() {
    for version in 1..SCHEMA_VERSION {
        let f = fixture();
        let (c, v) = fixture_at_version(&f.path, version);
        let s = Store::open(&f.path, &pass("hemligt lösen")).unwrap();
        assert_eq!(
            s.status().unwrap().schema_version,
            SCHEMA_VERSION,
            "from version {version}"
        );
        assert_eq!(s.client(c.id).unwrap(), c);
        assert_eq!(
            s.visits(&VisitFilter {
                client: Some(c.id),
                ..Default::default()
            })
            .unwrap(),
            vec![v]
        );
        assert_eq!(s.outbox_batch(10).unwrap().len(), 2);
        let first = s.outbox_batch(1).unwrap()[0].change_id;
        s.mark_rejected(first, "invalid", "test").unwrap();
        s.put_sealed_blob("x", b"y").unwrap();
        s.check_integrity().unwrap();
    }
    // An empty file (version 0) is not a store; create makes it the current version.
    let f = fixture();
    std::fs::write(&f.path, b"").unwrap();
    assert!(matches!(
        Store::open(&f.path, &pass("p")),
        Err(DeviceError::NoStore)
    ));
    let s = Store::create(&f.path, &pass("p"), &profile()).unwrap();
    assert_eq!(s.status().unwrap().schema_version, SCHEMA_VERSION);
}

#[test]
fn listing_by_client_and_date_range() {
    let f = fixture();
    let s = new_store(&f);
    let p = s.profile().unwrap();
    let c1 = client(&p, "K-001", "Nils");
    let c2 = client(&p, "K-002", "Lisa");
    s.save_client(&c1).unwrap();
    s.save_client(&c2).unwrap();
    let base = Utc.with_ymd_and_hms(2026, 10, 1, 9, 0, 0).unwrap();
    let mut all = vec![];
    for d in 0..20 {
        let c = if d % 2 == 0 { c1.id } else { c2.id };
        let v = visit(c, base + Duration::days(d), "Töre", "x");
        s.save_visit(&v).unwrap();
        all.push(v);
    }
    let week = s
        .visits(&VisitFilter {
            client: None,
            from: Some(base + Duration::days(7)),
            before: Some(base + Duration::days(14)),
        })
        .unwrap();
    assert_eq!(week, all[7..14].to_vec());
    let c1_week = s
        .visits(&VisitFilter {
            client: Some(c1.id),
            from: Some(base + Duration::days(7)),
            before: Some(base + Duration::days(14)),
        })
        .unwrap();
    assert_eq!(
        c1_week.iter().map(|v| v.start).collect::<Vec<_>>(),
        vec![
            base + Duration::days(8),
            base + Duration::days(10),
            base + Duration::days(12)
        ]
    );
    // Index use: the plan of the week listing is a range search, not a scan.
    let plan: String = s
        .read(|c, _| {
            Ok(c.query_row(
                "EXPLAIN QUERY PLAN SELECT id, body FROM visit WHERE start >= 1 AND start < 2 ORDER BY start, id",
                [],
                |r| r.get(3),
            )?)
        })
        .unwrap();
    assert!(plan.contains("USING INDEX visit_start"), "{plan}");
}

#[test]
fn validation_refuses_and_writes_nothing() {
    let f = fixture();
    let s = new_store(&f);
    let p = s.profile().unwrap();
    let c = client(&p, "K-001", "Nils");
    s.save_client(&c).unwrap();
    let mut v = visit(c.id, Utc::now(), "Töre", "x");
    v.minutes = 0;
    let e = s.save_visit(&v).unwrap_err();
    assert!(
        matches!(&e, DeviceError::Invalid(ve) if ve.field == "minutes"),
        "{e}"
    );
    let stranger = visit(ClientId::new(), Utc::now(), "Töre", "x");
    assert!(
        matches!(s.save_visit(&stranger), Err(DeviceError::Invalid(ve)) if ve.field == "client")
    );
    let dup = client(&p, "K-001", "Other");
    assert!(matches!(s.save_client(&dup), Err(DeviceError::Invalid(ve)) if ve.field == "code"));
    let bad_code = client(&p, "X-1", "Other");
    assert!(
        matches!(s.save_client(&bad_code), Err(DeviceError::Invalid(ve)) if ve.field == "code")
    );
    let st = s.status().unwrap();
    assert_eq!((st.clients, st.visits, st.outbox_pending), (1, 0, 1));
    // A failing write inside a bigger transaction rolls back the earlier writes too.
    let ok = visit(c.id, Utc::now(), "Töre", "x");
    let r = s.write(|w| {
        w.save_visit(&ok)?;
        w.save_visit(&v)
    });
    assert!(r.is_err());
    assert_eq!(s.status().unwrap().visits, 0);
}

#[test]
fn outbox_contract_for_sync() {
    let f = fixture();
    let s = new_store(&f);
    let p = s.profile().unwrap();
    let c = client(&p, "K-001", "Nils");
    let c_change = s.save_client(&c).unwrap();
    let mut v = visit(c.id, Utc::now() - Duration::hours(2), "Töre", "first");
    let v1 = s.save_visit(&v).unwrap();
    v.minutes = 50;
    let v2 = s.save_visit(&v).unwrap();
    let t = trip("Storgatan 1");
    s.save_trip(&t).unwrap();
    let t_del = s.delete_trip(t.id).unwrap();
    assert!(matches!(
        s.trip(t.id),
        Err(DeviceError::NotFound { what: "trip" })
    ));

    let batch = s.outbox_batch(100).unwrap();
    assert_eq!(batch.len(), 5);
    assert!(
        batch
            .windows(2)
            .all(|w| w[0].seq < w[1].seq && w[0].hlc < w[1].hlc)
    );
    assert_eq!(batch[0].change_id, c_change);
    assert_eq!(batch[2].record, Some(Record::Visit(v.clone())));
    assert!(
        batch[4].deleted
            && batch[4].change_id == t_del
            && batch[4].record == Some(Record::Trip(t.clone()))
    );
    assert_eq!(s.outbox_batch(2).unwrap().len(), 2);
    assert_eq!(s.pending_for(v.id.0).unwrap(), 2);

    // A remote edit of a record with waiting changes is not applied; of others it is.
    let mut remote_v = v.clone();
    remote_v.minutes = 99;
    let remote_hlc = Hlc {
        wall_ms: Utc::now().timestamp_millis() + 60_000,
        counter: 0,
        node: 42,
    };
    assert_eq!(
        s.apply_remote(&Record::Visit(remote_v.clone()), remote_hlc, false)
            .unwrap(),
        RemoteOutcome::KeptLocal
    );
    assert_eq!(s.visit(v.id).unwrap().minutes, 50);
    assert!(s.last_hlc() >= remote_hlc, "clock observes remote stamps");

    s.mark_rejected(v1, "invalid", "minutes: test").unwrap();
    assert_eq!(s.pending_for(v.id.0).unwrap(), 1);
    let rejected = s.rejected_changes().unwrap();
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].rejected.as_ref().unwrap().code, "invalid");
    assert_eq!(
        s.outbox_batch(100).unwrap().len(),
        4,
        "rejected change does not block"
    );

    assert_eq!(s.ack(&[c_change, v2, t_del]).unwrap(), 3);
    assert_eq!(s.ack(&[c_change]).unwrap(), 0, "ack is idempotent");
    assert_eq!(s.pending_for(v.id.0).unwrap(), 0);
    assert_eq!(
        s.apply_remote(&Record::Visit(remote_v.clone()), remote_hlc, false)
            .unwrap(),
        RemoteOutcome::Applied
    );
    assert_eq!(s.visit(v.id).unwrap().minutes, 99);
    let st = s.status().unwrap();
    assert_eq!((st.outbox_pending, st.outbox_rejected), (1, 1));

    // Cursor and remote apply commit together.
    s.write(|w| {
        w.apply_remote(&Record::Visit(remote_v.clone()), remote_hlc, true)?;
        w.set_pull_cursor(17)
    })
    .unwrap();
    assert_eq!(s.pull_cursor().unwrap(), Some(17));
    assert!(s.visit(v.id).is_err());

    // The clock survives a restart even after the outbox emptied.
    let last = s.last_hlc();
    s.write(|w| w.retry_rejected(v1)).unwrap();
    let all: Vec<ChangeId> = s
        .outbox_batch(100)
        .unwrap()
        .iter()
        .map(|e| e.change_id)
        .collect();
    s.ack(&all).unwrap();
    drop(s);
    let s = Store::open(&f.path, &pass("hemligt lösen")).unwrap();
    assert!(s.last_hlc() >= last);
    assert_eq!(s.status().unwrap().outbox_pending, 0);
}

#[test]
fn a_restored_server_gets_back_what_this_device_may_write_with_its_stamps() {
    let f = fixture();
    let s = new_store(&f);
    let p = s.profile().unwrap();
    let own = client(&p, "K-001", "Nils");
    s.save_client(&own).unwrap();
    let v = visit(own.id, Utc::now() - Duration::hours(2), "Töre", "egen");
    s.save_visit(&v).unwrap();
    let t = trip("Storgatan 1");
    s.save_trip(&t).unwrap();
    let all: Vec<ChangeId> = s
        .outbox_batch(100)
        .unwrap()
        .iter()
        .map(|e| e.change_id)
        .collect();
    s.ack(&all).unwrap();
    // Pulled from colleagues: the other organisation's client and another author's visit.
    let stamp = |ms: i64| Hlc {
        wall_ms: Utc::now().timestamp_millis() - ms,
        counter: 0,
        node: 9,
    };
    let mut theirs = client(&p, "K-002", "Region");
    theirs.org = uppsok_model::OrgId::new();
    s.apply_remote(&Record::Client(theirs.clone()), stamp(5_000), false)
        .unwrap();
    let mut bo = visit(own.id, Utc::now() - Duration::hours(1), "Kalix", "bos");
    bo.author = Username::parse("bo").unwrap();
    bo.staff = vec![bo.author.clone()];
    let bo_stamp = stamp(4_000);
    s.apply_remote(&Record::Visit(bo.clone()), bo_stamp, false)
        .unwrap();
    // A change of the trip still waits: it is not queued twice.
    let mut t2 = t.clone();
    t2.km = 41.0;
    s.save_trip(&t2).unwrap();
    let stored_v = s
        .write(|w| {
            let hlc: String = w.transaction().query_row(
                "SELECT hlc FROM visit WHERE id = ?1",
                [v.id.0.as_bytes().as_slice()],
                |r| r.get(0),
            )?;
            Ok(hlc)
        })
        .unwrap();

    let queued = s.write(|w| w.requeue_for_restored_server()).unwrap();
    assert_eq!(queued, 2, "the own client and the own visit");
    let batch = s.outbox_batch(100).unwrap();
    let ids: Vec<uuid::Uuid> = batch.iter().map(|e| e.record_id).collect();
    assert_eq!(ids, vec![t.id.0, own.id.0, v.id.0], "clients before visits");
    let again = batch.iter().find(|e| e.record_id == v.id.0).unwrap();
    assert_eq!(again.hlc.to_string(), stored_v, "with the stamp it had");
    assert_eq!(again.record, Some(Record::Visit(v.clone())));
    assert!(!again.deleted);
}

#[test]
fn profile_token_and_blobs() {
    let f = fixture();
    let s = new_store(&f);
    let mut p = s.profile().unwrap();
    assert_eq!(p.user.as_str(), "anna");
    p.server_url = Some("https://uppsok.example".into());
    s.set_profile(&p).unwrap();
    assert_eq!(s.profile().unwrap(), p);
    assert!(s.device_token().unwrap().is_none());
    s.set_device_token(Some("tok-secret-123")).unwrap();
    assert_eq!(
        s.device_token().unwrap().unwrap().as_str(),
        "tok-secret-123"
    );
    s.put_sealed_blob("trip_recorder", b"{\"fixes\":[]}")
        .unwrap();
    assert_eq!(
        &s.get_sealed_blob("trip_recorder").unwrap().unwrap()[..],
        b"{\"fixes\":[]}"
    );
    assert!(s.get_sealed_blob("nothing").unwrap().is_none());
    drop(s);
    for bytes in files_of(&f.path) {
        assert!(!contains(&bytes, "tok-secret-123"));
    }
    let s = Store::open(&f.path, &pass("hemligt lösen")).unwrap();
    assert!(s.delete_sealed_blob("trip_recorder").unwrap());
    s.set_device_token(None).unwrap();
    assert!(s.device_token().unwrap().is_none());
}

#[test]
fn places_and_clients_lookups() {
    let f = fixture();
    let s = new_store(&f);
    let p = s.profile().unwrap();
    let place = Place {
        id: PlaceId::new(),
        name: PlaceName::parse("Morjärv").unwrap(),
        lat: 66.06,
        lon: 22.7,
        team: Some(p.team),
    };
    s.save_place(&place).unwrap();
    assert_eq!(s.places().unwrap(), vec![place.clone()]);
    assert_eq!(s.place(place.id).unwrap(), place);
    s.delete_place(place.id).unwrap();
    assert!(s.places().unwrap().is_empty());
    let c = client(&p, "K-017", "Aino");
    s.save_client(&c).unwrap();
    assert_eq!(
        s.client_by_code(&ClientCode::parse("K-017").unwrap())
            .unwrap(),
        Some(c.clone())
    );
    assert_eq!(
        s.client_by_code(&ClientCode::parse("K-018").unwrap())
            .unwrap(),
        None
    );
    let mut renamed = c.clone();
    renamed.code = ClientCode::parse("K-018").unwrap();
    s.save_client(&renamed).unwrap();
    assert_eq!(
        s.client_by_code(&ClientCode::parse("K-017").unwrap())
            .unwrap(),
        None
    );
    assert_eq!(s.clients().unwrap(), vec![renamed]);
}

#[test]
fn wipe_destroys_the_key_first_and_then_the_files() {
    let f = fixture();
    let s = new_store(&f);
    let p = s.profile().unwrap();
    s.save_client(&client(&p, "K-001", "Nils")).unwrap();
    // A copy of the database taken before the wipe cannot be opened with the wiped slot gone.
    s.wipe().unwrap();
    for suffix in DB_FILE_SUFFIXES {
        let mut name = f.path.as_os_str().to_owned();
        name.push(suffix);
        assert!(!PathBuf::from(name).exists());
    }
    assert!(matches!(
        Store::open(&f.path, &pass("hemligt lösen")),
        Err(DeviceError::NoStore)
    ));

    // wipe_at works without the key, and shreds the slot before deleting
    let f2 = fixture();
    drop(new_store(&f2));
    let conn = open_connection(&f2.path, false).unwrap();
    shred_key(&conn).unwrap();
    assert!(read_slot(&conn).unwrap().is_none());
    drop(conn);
    assert!(matches!(
        Store::open(&f2.path, &pass("hemligt lösen")),
        Err(DeviceError::NoStore)
    ));
    Store::wipe_at(&f2.path).unwrap();
    assert!(!f2.path.exists());
}

#[test]
fn store_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Store>();
    let f = fixture();
    let s = std::sync::Arc::new(new_store(&f));
    let p = s.profile().unwrap();
    let c = client(&p, "K-001", "Nils");
    s.save_client(&c).unwrap();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let s = s.clone();
            std::thread::spawn(move || {
                for _ in 0..10 {
                    s.save_visit(&visit(c.id, Utc::now(), "Töre", "x")).unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(s.status().unwrap().visits, 40);
}

fn arb_visit(client: ClientId) -> impl Strategy<Value = Visit> {
    (
        1u16..=1440,
        prop::sample::select(ContactKind::ALL.to_vec()),
        prop::sample::select(Setting::ALL.to_vec()),
        any::<bool>(),
        prop::option::of("[A-Za-zÅÄÖåäö \\-]{1,40}"),
        prop::option::of("[^\u{0}-\u{1f}\u{7f}-\u{9f}]{0,300}"),
        0i64..1_000_000,
    )
        .prop_map(
            move |(minutes, contact, setting, network, place, note, mins_ago)| {
                let anna = Username::parse("anna").unwrap();
                Visit {
                    id: VisitId::new(),
                    client,
                    author: anna.clone(),
                    staff: vec![anna],
                    start: Utc::now() - Duration::minutes(mins_ago),
                    minutes,
                    contact,
                    setting: match contact {
                        ContactKind::FaceToFace | ContactKind::Attempted => Some(setting),
                        _ => None,
                    },
                    network,
                    place: place.and_then(|p| PlaceName::parse(p).ok()),
                    note: note.and_then(|n| Note::parse(n).ok()),
                    client_present: true,
                    group: false,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn visits_round_trip_through_the_store(visits in proptest::collection::vec(arb_visit(ClientId::new()), 1..8)) {
        let f = fixture();
        let s = new_store(&f);
        let p = s.profile().unwrap();
        let mut c = client(&p, "K-001", "Nils");
        c.id = visits[0].client;
        s.save_client(&c).unwrap();
        s.write(|w| { for v in &visits { w.save_visit(v)?; } Ok(()) }).unwrap();
        drop(s);
        let s = Store::open(&f.path, &pass("hemligt lösen")).unwrap();
        for v in &visits {
            prop_assert_eq!(&s.visit(v.id).unwrap(), v);
        }
        let mut sorted = visits.clone();
        sorted.sort_by_key(|v| (v.start, v.id));
        prop_assert_eq!(s.visits(&VisitFilter::default()).unwrap(), sorted);
        prop_assert_eq!(s.outbox_batch(100).unwrap().len(), visits.len() + 1);
    }

    #[test]
    fn clients_and_trips_round_trip(name in "[^\u{0}-\u{1f}\u{7f}-\u{9f}]{1,100}", km in 0.0f64..2000.0,
                                    addr in "[A-Za-zåäö0-9 ]{1,60}") {
        let f = fixture();
        let s = new_store(&f);
        let p = s.profile().unwrap();
        if let Ok(n) = PersonName::parse(&name) {
            let mut c = client(&p, "K-001", "x");
            c.name = n;
            s.save_client(&c).unwrap();
            prop_assert_eq!(s.client(c.id).unwrap(), c);
        }
        if let Ok(a) = uppsok_model::Address::parse(&addr) {
            let mut t = trip("x");
            t.km = km;
            t.to_address = Some(a);
            s.save_trip(&t).unwrap();
            prop_assert_eq!(s.trip(t.id).unwrap(), t.clone());
            prop_assert_eq!(s.trips(&TripFilter::default()).unwrap(), vec![t]);
        }
    }
}

/// A refused client edit, once discarded, does not leave the refused value on the phone: the
/// row goes and the pull starts over, so the server's version comes back at the next sync. A
/// record with another change still queued keeps its row.
#[test]
fn a_discarded_refusal_converges_to_the_servers_version() {
    let f = fixture();
    let s = new_store(&f);
    let p = s.profile().unwrap();
    let server = client(&p, "K-007", "Aino Niemi");
    let hlc = Hlc {
        wall_ms: Utc::now().timestamp_millis() - 60_000,
        counter: 0,
        node: 42,
    };
    s.apply_remote(&Record::Client(server.clone()), hlc, false)
        .unwrap();
    s.write(|w| w.set_pull_cursor(40)).unwrap();
    let mut mine = server.clone();
    mine.name = PersonName::parse("Refused Name").unwrap();
    let change = s.save_client(&mine).unwrap();
    s.mark_rejected(change, "forbidden", "test").unwrap();
    assert_eq!(s.client(server.id).unwrap().name, mine.name);

    crate::sync::discard_rejected(&s, change).unwrap();
    assert!(s.rejected_changes().unwrap().is_empty());
    assert!(s.client(server.id).is_err(), "the refused value stayed");
    assert_eq!(s.pull_cursor().unwrap(), Some(0), "the pull starts over");
    // The next sync's pull brings the server's version, and it is applied.
    assert_eq!(
        s.apply_remote(&Record::Client(server.clone()), hlc, false)
            .unwrap(),
        RemoteOutcome::Applied
    );
    assert_eq!(s.client(server.id).unwrap().name, server.name);

    // With a later change of the same record still queued, the row stays.
    let mut first = server.clone();
    first.name = PersonName::parse("First Try").unwrap();
    let refused = s.save_client(&first).unwrap();
    s.mark_rejected(refused, "forbidden", "test").unwrap();
    let mut second = server.clone();
    second.name = PersonName::parse("Second Try").unwrap();
    s.save_client(&second).unwrap();
    crate::sync::discard_rejected(&s, refused).unwrap();
    assert_eq!(s.client(server.id).unwrap().name, second.name);
}

/// A stored device token that no longer opens is named, not fatal: the status screen still
/// works and says what to do, sync refuses with that reason, and repair removes the token so
/// the phone can be enrolled again — with nothing waiting lost.
#[test]
fn a_damaged_device_token_is_reported_and_repaired() {
    let f = fixture();
    let s = new_store(&f);
    let mut p = s.profile().unwrap();
    p.server_url = Some("https://uppsok.example".into());
    p.device_id = Some(uppsok_model::DeviceId::new());
    s.set_profile(&p).unwrap();
    s.set_device_token(Some("tok-secret-123")).unwrap();
    let c = client(&p, "K-017", "Aino");
    s.save_client(&c).unwrap();
    drop(s);
    let db = raw(&f.path);
    let mut body: Vec<u8> = db
        .query_row(
            "SELECT body FROM sealed_blob WHERE name = 'device_token'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let last = body.len() - 1;
    body[last] ^= 0x01;
    db.execute(
        "UPDATE sealed_blob SET body = ?1 WHERE name = 'device_token'",
        [body],
    )
    .unwrap();
    drop(db);

    let s = Store::open(&f.path, &pass("hemligt lösen")).unwrap();
    assert!(s.device_token_damaged());
    let st = crate::sync::status(&s).expect("the status screen still works");
    assert!(!st.enrolled);
    assert!(
        st.last_error
            .as_deref()
            .unwrap()
            .contains("sign-in key is damaged"),
        "{st:?}"
    );
    let client = crate::sync::SyncClient::new(crate::sync::SyncConfig::default()).unwrap();
    assert!(matches!(
        client.sync_once(&s),
        Err(crate::sync::SyncError::TokenDamaged)
    ));
    assert_eq!(s.repair_damaged().unwrap(), 1);
    assert!(!s.device_token_damaged());
    assert!(s.device_token().unwrap().is_none());
    let st = crate::sync::status(&s).unwrap();
    assert_eq!(st.last_error, None);
    assert_eq!(st.waiting, 1, "the change waiting is still there");
}

/// A client of the other organisation (seen through consent) cannot be changed on the phone:
/// the phone says so at once instead of the server refusing it at the next sync.
#[test]
fn the_other_organisations_client_is_read_only_on_the_phone() {
    let f = fixture();
    let s = new_store(&f);
    let p = s.profile().unwrap();
    let mut theirs = client(&p, "K-021", "Berit");
    theirs.org = uppsok_model::OrgId::new();
    let hlc = Hlc {
        wall_ms: Utc::now().timestamp_millis(),
        counter: 0,
        node: 9,
    };
    s.apply_remote(&Record::Client(theirs.clone()), hlc, false)
        .unwrap();
    let mut edited = theirs.clone();
    edited.name = PersonName::parse("Changed").unwrap();
    let e = s.save_client(&edited).unwrap_err();
    assert!(
        matches!(&e, DeviceError::Invalid(v) if v.field == "org"),
        "{e}"
    );
    // Taking it over by writing one's own organisation into it is refused just the same.
    edited.org = p.org;
    assert!(s.save_client(&edited).is_err());
    assert_eq!(s.client(theirs.id).unwrap().name, theirs.name);
    assert_eq!(s.status().unwrap().outbox_pending, 0, "nothing queued");
}

#[test]
fn a_client_change_says_which_groups_were_set_on_purpose() {
    let f = fixture();
    let s = new_store(&f);
    let p = s.profile().unwrap();
    let mut c = client(&p, "K-001", "Nils");
    s.save_client(&c).unwrap();
    c.name = PersonName::parse("Nils Åberg").unwrap();
    s.save_client(&c).unwrap();
    c.name = PersonName::parse("Nils").unwrap(); // set back: a revert is an edit too
    c.next_contact = Some(chrono::NaiveDate::from_ymd_opt(2026, 12, 24).unwrap());
    s.save_client(&c).unwrap();
    s.save_client(&c).unwrap(); // saved unchanged: nothing set
    let v = visit(c.id, Utc::now() - Duration::hours(1), "Töre", "x");
    s.save_visit(&v).unwrap();
    let edited: Vec<Option<Vec<String>>> = s
        .outbox_batch(10)
        .unwrap()
        .into_iter()
        .map(|e| e.edited)
        .collect();
    let g = |names: &[&str]| Some(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>());
    assert_eq!(
        edited,
        vec![
            // A new client sets every group.
            g(&[
                "team",
                "name",
                "phase",
                "next_contact",
                "consent",
                "admission",
                "contact_person",
                "protected_identity"
            ]),
            g(&["name"]),
            g(&["name", "next_contact"]),
            g(&[]),
            None,
        ]
    );
}

#[test]
fn deletions_are_sent_again_to_a_restored_server_until_kept_long_enough() {
    let f = fixture();
    let s = new_store(&f);
    let p = s.profile().unwrap();
    let c = client(&p, "K-001", "Nils");
    s.save_client(&c).unwrap();
    let v = visit(c.id, Utc::now() - Duration::hours(2), "Töre", "raderas");
    s.save_visit(&v).unwrap();
    let del = s.delete_visit(v.id).unwrap();
    let deleted_at = s
        .outbox_batch(10)
        .unwrap()
        .into_iter()
        .find(|e| e.change_id == del)
        .unwrap()
        .hlc;
    let all: Vec<ChangeId> = s
        .outbox_batch(10)
        .unwrap()
        .iter()
        .map(|e| e.change_id)
        .collect();
    s.ack(&all).unwrap();

    // The server says it was restored: the client comes back and the deletion goes again,
    // with its own stamp and without the record (it is gone from the phone).
    assert_eq!(s.write(|w| w.requeue_for_restored_server()).unwrap(), 2);
    let batch = s.outbox_batch(10).unwrap();
    let again = batch.iter().find(|e| e.record_id == v.id.0).unwrap();
    assert!(again.deleted && again.record.is_none());
    assert_eq!((again.entity, again.hlc), (Entity::Visit, deleted_at));
    assert!(s.visit(v.id).is_err(), "the record is not brought back");
    // A pulled older version is held back by the waiting deletion.
    assert_eq!(
        s.write(|w| w.apply_remote(&Record::Visit(v.clone()), Hlc::ZERO, false))
            .unwrap(),
        RemoteOutcome::KeptLocal
    );
    // A second restore before the first re-send was answered does not queue it twice.
    assert_eq!(s.write(|w| w.requeue_for_restored_server()).unwrap(), 0);
    let ids: Vec<ChangeId> = batch.iter().map(|e| e.change_id).collect();
    s.ack(&ids).unwrap();
    assert_eq!(s.write(|w| w.requeue_for_restored_server()).unwrap(), 2);
    let ids: Vec<ChangeId> = s
        .outbox_batch(10)
        .unwrap()
        .iter()
        .map(|e| e.change_id)
        .collect();
    s.ack(&ids).unwrap();

    // Kept for TOMBSTONE_KEEP_DAYS after the server acknowledged it, then dropped.
    s.set_clock_offset(Duration::days(TOMBSTONE_KEEP_DAYS + 1));
    s.ack(&[]).unwrap();
    assert_eq!(
        s.write(|w| w.requeue_for_restored_server()).unwrap(),
        1,
        "only the client"
    );
}

#[test]
fn a_refused_deletion_that_is_discarded_leaves_no_tombstone() {
    let f = fixture();
    let s = new_store(&f);
    let p = s.profile().unwrap();
    let c = client(&p, "K-001", "Nils");
    s.save_client(&c).unwrap();
    let v = visit(c.id, Utc::now() - Duration::hours(2), "Töre", "x");
    s.save_visit(&v).unwrap();
    let first: Vec<ChangeId> = s
        .outbox_batch(10)
        .unwrap()
        .iter()
        .map(|e| e.change_id)
        .collect();
    s.ack(&first).unwrap();
    let del = s.delete_visit(v.id).unwrap();
    s.mark_rejected(del, "forbidden", "not yours").unwrap();
    s.write(|w| w.discard_rejected(del)).unwrap();
    let queued = s.write(|w| w.requeue_for_restored_server()).unwrap();
    assert_eq!(queued, 1, "the client only: the deletion never happened");
}

fn roster(names: &[&str]) -> TeamRoster {
    TeamRoster {
        fetched_at: Utc::now(),
        members: names
            .iter()
            .map(|n| uppsok_model::protocol::directory::TeamMember {
                username: (*n).to_owned(),
                name: format!("Person {n}"),
                teams: vec![],
            })
            .collect(),
    }
}

#[test]
fn my_clients_are_those_the_user_is_contact_person_or_deputy_for() {
    let f = fixture();
    let s = new_store(&f);
    let p = s.profile().unwrap();
    let u = |n: &str| Some(Username::parse(n).unwrap());
    let mut a = client(&p, "K-001", "Aino");
    a.contact_person = u("anna");
    let mut b = client(&p, "K-002", "Bo");
    b.contact_person = u("bo");
    b.deputy = u("anna");
    let mut c = client(&p, "K-003", "Cia");
    c.contact_person = u("bo");
    let d = client(&p, "K-004", "Dan");
    for x in [&a, &b, &c, &d] {
        s.save_client(x).unwrap();
    }
    let codes = |user: &str| -> Vec<String> {
        s.my_clients(&Username::parse(user).unwrap())
            .unwrap()
            .iter()
            .map(|c| c.code.to_string())
            .collect()
    };
    assert_eq!(codes("anna"), ["K-001", "K-002"]);
    assert_eq!(codes("bo"), ["K-002", "K-003"]);
    assert!(codes("cia").is_empty());
}

#[test]
fn a_contact_person_must_be_a_colleague_once_the_phone_knows_the_team() {
    let f = fixture();
    let s = new_store(&f);
    let p = s.profile().unwrap();
    let mut c = client(&p, "K-001", "Aino");
    // Before the first roster the phone checks no names (the server does).
    c.contact_person = Some(Username::parse("cecilia").unwrap());
    s.save_client(&c).unwrap();
    s.set_team_roster(&roster(&["anna", "bo"])).unwrap();
    let mut other = client(&p, "K-002", "Bo");
    other.contact_person = Some(Username::parse("cecilia").unwrap());
    let e = s.save_client(&other).unwrap_err();
    assert!(
        matches!(&e, DeviceError::Invalid(v) if v.field == "contact_person"),
        "{e}"
    );
    other.contact_person = Some(Username::parse("bo").unwrap());
    other.deputy = Some(Username::parse("dagny").unwrap());
    let e = s.save_client(&other).unwrap_err();
    assert!(
        matches!(&e, DeviceError::Invalid(v) if v.field == "deputy"),
        "{e}"
    );
    other.deputy = Some(Username::parse("anna").unwrap());
    s.save_client(&other).unwrap();
    // A name already on the client stays: Cecilia left the team but is still on record.
    c.next_contact = chrono::NaiveDate::from_ymd_opt(2026, 12, 24);
    s.save_client(&c).unwrap();
    assert_eq!(s.status().unwrap().clients, 2);
}

#[test]
fn client_revisions_are_read_from_the_clock_stamps() {
    let f = fixture();
    let s = new_store(&f);
    let p = s.profile().unwrap();
    let mine = client(&p, "K-001", "Aino");
    s.save_client(&mine).unwrap();
    let theirs = client(&p, "K-002", "Bo");
    let when = Utc.with_ymd_and_hms(2025, 3, 4, 9, 0, 0).unwrap();
    let hlc = Hlc {
        wall_ms: when.timestamp_millis(),
        counter: 0,
        node: 9,
    };
    s.apply_remote(&Record::Client(theirs.clone()), hlc, false)
        .unwrap();
    let r = s.client_revisions().unwrap();
    assert_eq!(r.len(), 2);
    assert_eq!(r[&theirs.id], when);
    assert!((Utc::now() - r[&mine.id]).num_seconds().abs() < 60);
}

fn outcome(
    client: ClientId,
    day: chrono::NaiveDate,
    event: uppsok_model::outcome::Event,
) -> Outcome {
    Outcome {
        id: OutcomeId::new(),
        client,
        author: Username::parse("anna").unwrap(),
        day,
        source: uppsok_model::outcome::Source::InpatientCare,
        event,
    }
}

#[test]
fn outcomes_are_kept_sealed_listed_per_client_and_sent_again_to_a_restored_server() {
    use uppsok_model::outcome::{Care, Event, Housing};
    let f = fixture();
    let s = new_store(&f);
    let p = s.profile().unwrap();
    let c = client(&p, "K-031", "Greta Utfallsson");
    let other = client(&p, "K-032", "Olle");
    s.save_client(&c).unwrap();
    s.save_client(&other).unwrap();
    let day = |m, d| chrono::NaiveDate::from_ymd_opt(2025, m, d).unwrap();
    let stay = outcome(
        c.id,
        day(3, 2),
        Event::Inpatient {
            care: Care::Addiction,
            discharged: Some(day(3, 20)),
            compulsory: true,
        },
    );
    let moved = outcome(
        c.id,
        day(6, 1),
        Event::Housing {
            housing: Housing::Secondhand,
        },
    );
    s.save_outcome(&stay).unwrap();
    s.save_outcome(&moved).unwrap();
    s.save_outcome(&outcome(other.id, day(1, 1), Event::Emergency))
        .unwrap();

    // Newest first, the other client's apart.
    let listed = s.outcomes_for_client(c.id).unwrap();
    assert_eq!(listed, vec![moved.clone(), stay.clone()]);
    assert_eq!(s.outcomes().unwrap().len(), 3);

    // A rule broken, or a client not on the phone: refused, nothing written.
    let before = s.outbox_batch(100).unwrap().len();
    let mut bad = stay.clone();
    bad.event = Event::Inpatient {
        care: Care::Addiction,
        discharged: Some(day(3, 1)),
        compulsory: false,
    };
    let e = s.save_outcome(&bad).unwrap_err();
    assert!(e.to_string().contains("discharged"), "{e}");
    let stranger = outcome(ClientId::new(), day(3, 1), Event::Emergency);
    assert!(s.save_outcome(&stranger).is_err());
    assert_eq!(s.outbox_batch(100).unwrap().len(), before);
    assert_eq!(s.outcome(stay.id).unwrap(), stay);

    // The housing and the day are sealed; only ids, the client's id and the day are plain.
    drop(s);
    for bytes in files_of(&f.path) {
        assert!(!contains(&bytes, "secondhand"));
        assert!(!contains(&bytes, "inpatient_care"));
    }
    let s = Store::open(&f.path, &pass("hemligt lösen")).unwrap();

    // Sent, acknowledged, then the server restored: own outcomes are queued again; a deleted
    // one goes as a deletion.
    let all: Vec<ChangeId> = s
        .outbox_batch(100)
        .unwrap()
        .iter()
        .map(|e| e.change_id)
        .collect();
    s.ack(&all).unwrap();
    s.delete_outcome(moved.id).unwrap();
    assert!(s.outcome(moved.id).is_err());
    let all: Vec<ChangeId> = s
        .outbox_batch(100)
        .unwrap()
        .iter()
        .map(|e| e.change_id)
        .collect();
    s.ack(&all).unwrap();
    s.write(|w| w.requeue_for_restored_server()).unwrap();
    let batch = s.outbox_batch(100).unwrap();
    let again = batch.iter().find(|e| e.record_id == stay.id.0).unwrap();
    assert_eq!(again.record, Some(Record::Outcome(stay.clone())));
    let gone = batch.iter().find(|e| e.record_id == moved.id.0).unwrap();
    assert!(gone.deleted);
    assert_eq!(gone.entity, Entity::Outcome);
}

// ----- the phone's access log (schema V6) -----

#[test]
fn access_events_are_sealed_on_disk() {
    let f = fixture();
    let s = new_store(&f);
    // A client id that is nowhere else in the files (no client row, no visit).
    let c = ClientId::new();
    let e = s
        .log_access(c, AccessKind::OpenClient)
        .unwrap()
        .expect("logged");
    assert_eq!((e.client, e.what), (c, AccessKind::OpenClient));
    let text = c.to_string();
    let simple = c.0.simple().to_string();
    for bytes in files_of(&f.path) {
        assert!(!contains(&bytes, &text), "client id in plaintext on disk");
        assert!(!contains(&bytes, &simple), "client id (hex) on disk");
        assert!(
            !bytes.windows(16).any(|w| w == c.0.as_bytes()),
            "client id (raw bytes) on disk"
        );
        assert!(
            !contains(&bytes, "open_client"),
            "the kind of access on disk"
        );
    }
    drop(s);
    for bytes in files_of(&f.path) {
        assert!(!bytes.windows(16).any(|w| w == c.0.as_bytes()));
    }
    let s = Store::open(&f.path, &pass("hemligt lösen")).unwrap();
    assert_eq!(s.pending_access(10).unwrap(), vec![e]);
    assert_eq!(s.status().unwrap().access_pending, 1);
}

#[test]
fn access_events_are_append_only_and_leave_when_acknowledged() {
    let f = fixture();
    let s = new_store(&f);
    let (a, b) = (ClientId::new(), ClientId::new());
    let first = s.log_access(a, AccessKind::OpenClient).unwrap().unwrap();
    let second = s.log_access(a, AccessKind::OpenHistory).unwrap().unwrap();
    let third = s.log_access(b, AccessKind::Export).unwrap().unwrap();
    // The same access again within a minute is one event.
    assert_eq!(s.log_access(a, AccessKind::OpenClient).unwrap(), None);
    assert_eq!(
        s.pending_access(10).unwrap(),
        vec![first, second, third],
        "oldest first"
    );
    assert_eq!(s.pending_access(2).unwrap(), vec![first, second]);
    // No row can be changed, not even from inside the store's own transaction.
    let changed = s.write(|w| {
        Ok(w.transaction()
            .execute("UPDATE access_event SET body = x'00'", [])?)
    });
    assert!(changed.is_err(), "an access event was changed");
    // Acknowledged ones leave, the others stay; acknowledging twice finds nothing.
    assert_eq!(s.write(|w| w.ack_access(&[second.id])).unwrap(), 1);
    assert_eq!(s.write(|w| w.ack_access(&[second.id])).unwrap(), 0);
    assert_eq!(s.pending_access(10).unwrap(), vec![first, third]);
    // A minute later the same access is logged again.
    s.set_clock_offset(Duration::seconds(61));
    let again = s.log_access(a, AccessKind::OpenClient).unwrap().unwrap();
    assert_ne!(again.id, first.id);
    assert_eq!(s.status().unwrap().access_pending, 3);
    // A wipe takes them with everything else.
    s.wipe().unwrap();
    assert!(!f.path.exists());
}

#[test]
fn an_upgraded_store_logs_access() {
    let f = fixture();
    let (c, _) = fixture_at_version(&f.path, SCHEMA_VERSION - 1);
    let s = Store::open(&f.path, &pass("hemligt lösen")).unwrap();
    assert_eq!(s.status().unwrap().schema_version, SCHEMA_VERSION);
    let e = s
        .log_access(c.id, AccessKind::OpenHistory)
        .unwrap()
        .unwrap();
    assert_eq!(s.pending_access(10).unwrap(), vec![e]);
}

// ----- the history window (store::window) -----

fn synced(s: &Store, r: Record, at: DateTime<Utc>) {
    let hlc = Hlc {
        wall_ms: at.timestamp_millis(),
        counter: 0,
        node: 9,
    };
    assert_eq!(
        s.apply_remote(&r, hlc, false).unwrap(),
        RemoteOutcome::Applied
    );
}

fn closed(p: &Profile, code: &str, on: chrono::NaiveDate) -> Client {
    let mut c = client(p, code, "Stängd Klientsson");
    c.phase = Phase::Closed;
    c.closed_on = Some(on);
    c.closure = Some(uppsok_model::ClosureReason::GoalReached);
    c
}

fn trip_at(start: DateTime<Utc>) -> Trip {
    let mut t = trip("Storgatan 1");
    t.start = start;
    t.end = Some(start + Duration::minutes(40));
    t
}

fn row_count(s: &Store, entity: Entity, id: Uuid) -> i64 {
    s.read(|c, _| {
        let sql = format!(
            "SELECT count(*) FROM {} WHERE id = ?1",
            records::table(entity)
        );
        Ok(c.query_row(&sql, [id.as_bytes().as_slice()], |r| r.get(0))?)
    })
    .unwrap()
}

#[test]
fn the_window_keeps_pending_changes_active_clients_and_plans_and_drops_old_synced_records() {
    use uppsok_model::outcome::Event;
    let f = fixture();
    let s = new_store(&f);
    let p = s.profile().unwrap();
    let now = s.now();
    let ago = |days: i64| now - Duration::days(days);
    let day_ago = |days: i64| ago(days).date_naive();

    // An active client with a planned contact, synced long ago.
    let mut active = client(&p, "K-001", "Aktiv Klientsson");
    active.phase = Phase::Active;
    active.next_contact = Some(day_ago(-3));
    synced(&s, Record::Client(active.clone()), ago(400));
    let old_synced = visit(active.id, ago(200), "Töre", "gammal anteckning");
    synced(&s, Record::Visit(old_synced.clone()), ago(200));
    let recent = visit(active.id, ago(10), "Töre", "ny anteckning");
    synced(&s, Record::Visit(recent.clone()), ago(10));
    let tomorrow = visit(
        active.id,
        now + Duration::hours(20),
        "Töre",
        "planerat besök",
    );
    s.save_visit(&tomorrow).unwrap();
    let old_pending = visit(active.id, ago(190), "Töre", "väntar på att skickas");
    s.save_visit(&old_pending).unwrap();
    let old_refused = visit(active.id, ago(195), "Töre", "nekad ändring");
    let refused_change = s.save_visit(&old_refused).unwrap();
    s.mark_rejected(refused_change, "forbidden", "not yours")
        .unwrap();
    let old_outcome = outcome(active.id, day_ago(250), Event::Emergency);
    synced(&s, Record::Outcome(old_outcome.clone()), ago(250));
    let new_outcome = outcome(active.id, day_ago(20), Event::Emergency);
    synced(&s, Record::Outcome(new_outcome.clone()), ago(20));
    let pending_outcome = outcome(active.id, day_ago(300), Event::Emergency);
    s.save_outcome(&pending_outcome).unwrap();

    // Closed long ago with only old synced records: goes. Closed long ago with a change
    // waiting: stays. Closed within the window: stays.
    let gone = closed(&p, "K-002", day_ago(300));
    synced(&s, Record::Client(gone.clone()), ago(300));
    let gone_visit = visit(gone.id, ago(320), "Kalix", "hemligt gammalt");
    synced(&s, Record::Visit(gone_visit.clone()), ago(320));
    let waiting = closed(&p, "K-003", day_ago(300));
    synced(&s, Record::Client(waiting.clone()), ago(300));
    let waiting_visit = visit(waiting.id, ago(310), "Kalix", "sent inskrivet");
    s.save_visit(&waiting_visit).unwrap();
    let lately = closed(&p, "K-004", day_ago(30));
    synced(&s, Record::Client(lately.clone()), ago(30));

    let old_trip = trip_at(ago(250));
    synced(&s, Record::Trip(old_trip.clone()), ago(250));
    let new_trip = trip_at(ago(2));
    synced(&s, Record::Trip(new_trip.clone()), ago(2));

    s.write(|w| w.set_pull_cursor(4711)).unwrap();
    // No window named yet: nothing goes (a server that predates the window).
    assert_eq!(s.evict_outside_window(true).unwrap(), Evicted::default());
    let gone_body: Vec<u8> = s
        .read(|c, _| {
            Ok(c.query_row(
                "SELECT body FROM visit WHERE id = ?1",
                [gone_visit.id.0.as_bytes().as_slice()],
                |r| r.get(0),
            )?)
        })
        .unwrap();

    s.write(|w| w.set_history_window(183)).unwrap();
    let evicted = s.evict_outside_window(true).unwrap();
    assert_eq!(
        evicted,
        Evicted {
            visits: 2,
            outcomes: 1,
            trips: 1,
            clients: 1
        }
    );
    for (entity, id) in [
        (Entity::Visit, old_synced.id.0),
        (Entity::Visit, gone_visit.id.0),
        (Entity::Outcome, old_outcome.id.0),
        (Entity::Trip, old_trip.id.0),
        (Entity::Client, gone.id.0),
    ] {
        assert_eq!(row_count(&s, entity, id), 0, "{entity} should have left");
    }
    let check = |s: &Store| {
        assert_eq!(
            s.client(active.id).unwrap(),
            active,
            "the plan is untouched"
        );
        let kept: Vec<VisitId> = s
            .visits(&VisitFilter {
                client: Some(active.id),
                ..Default::default()
            })
            .unwrap()
            .into_iter()
            .map(|v| v.id)
            .collect();
        assert_eq!(
            kept,
            vec![old_refused.id, old_pending.id, recent.id, tomorrow.id]
        );
        let outcomes: Vec<OutcomeId> = s
            .outcomes_for_client(active.id)
            .unwrap()
            .into_iter()
            .map(|o| o.id)
            .collect();
        assert_eq!(outcomes, vec![new_outcome.id, pending_outcome.id]);
        assert!(s.client(waiting.id).is_ok() && s.client(lately.id).is_ok());
        assert!(matches!(
            s.client(gone.id),
            Err(DeviceError::NotFound { .. })
        ));
        assert_eq!(s.trip(new_trip.id).unwrap(), new_trip);
        // Not pulled again, not queued: the cursor and the outbox are as they were.
        assert_eq!(s.pull_cursor().unwrap(), Some(4711));
        assert_eq!(s.status().unwrap().outbox_pending, 4);
        assert_eq!(s.status().unwrap().outbox_rejected, 1);
        let (days, cut) = s.history_window().unwrap().unwrap();
        assert_eq!((days, cut.contacts_from), (183, day_ago(183)));
    };
    check(&s);
    // A second run finds nothing more.
    assert_eq!(s.evict_outside_window(true).unwrap().total(), 0);

    // Reopened: the same, and the evicted sealed body is not in the files any more.
    drop(s);
    {
        let conn = raw(&f.path);
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
    }
    let needle = &gone_body[gone_body.len() - 32..];
    for file in files_of(&f.path) {
        assert!(
            !file.windows(needle.len()).any(|w| w == needle),
            "an evicted record's sealed body is still on disk"
        );
    }
    let s = Store::open(&f.path, &pass("hemligt lösen")).unwrap();
    check(&s);
}

#[test]
fn trips_leave_in_whole_months_and_the_previous_month_stays() {
    use chrono::Datelike;
    let f = fixture();
    let s = new_store(&f);
    let now = s.now();
    // The shortest window, 31 days: the previous month's trips stay all the same.
    let cut = Cutoffs::of(now.date_naive(), 31);
    let first_kept = trip_at(cut.trips_from + Duration::minutes(1));
    let last_gone = trip_at(cut.trips_from - Duration::minutes(1));
    for t in [&first_kept, &last_gone] {
        synced(&s, Record::Trip(t.clone()), now);
    }
    s.write(|w| w.set_history_window(31)).unwrap();
    let evicted = s.evict_outside_window(false).unwrap();
    assert_eq!(evicted.trips, 1);
    assert!(s.trip(first_kept.id).is_ok());
    assert!(s.trip(last_gone.id).is_err());
    // Every trip of the month the first kept one is in is on the phone: its total is whole.
    let month = uppsok_model::fidelity::swedish_date(first_kept.start);
    assert_eq!(month.day(), 1);
    assert!(cut.trips_from <= now - Duration::days(28));
}
