//! The field commands without a process: each function against a real store in a temp dir.

use super::commands::*;
use chrono::{Duration, Local, Utc};
use uppsok_device::{DeviceError, KdfParams, PassphraseKeyProvider, Store};

fn provider() -> PassphraseKeyProvider {
    PassphraseKeyProvider::new("lösen", KdfParams::insecure_for_tests(1_000))
}

fn setup() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let p = init(&home, &provider(), Some("anna")).unwrap();
    assert_eq!(p.user.as_str(), "anna");
    let store = Store::open(store_path(&home), &provider()).unwrap();
    (dir, store)
}

fn add_client(store: &Store, code: &str) {
    let input = ClientInput {
        name: Some("Aino Niemi".into()),
        consent: Some("given".into()),
        ..Default::default()
    };
    let c = client_add(store, code, &input).unwrap();
    assert!(c.consent.is_given() && c.consent.date.is_some());
}

fn visit_input(client: &str, start: &str) -> VisitInput {
    VisitInput {
        client: Some(client.into()),
        start: Some(start.into()),
        minutes: Some(45),
        contact: Some("face_to_face".into()),
        setting: Some("home".into()),
        place: Some("Töre".into()),
        with: Some(vec!["bo".into()]),
        network: Some(true),
        client_present: None,
        group: None,
        note: Some("Mådde bättre".into()),
    }
}

fn yesterday_at_ten() -> String {
    (Local::now() - Duration::days(1))
        .format("%Y-%m-%dT10:00")
        .to_string()
}

#[test]
fn init_refuses_a_second_store_and_bad_user() {
    let (dir, _s) = setup();
    let home = dir.path().join("home");
    assert!(matches!(
        init(&home, &provider(), None),
        Err(FieldError::Device(DeviceError::AlreadyExists))
    ));
    let e = init(&dir.path().join("other"), &provider(), Some("Anna K")).unwrap_err();
    assert!(e.to_string().contains("username"), "{e}");
    assert_eq!(
        sanitise_username("Åsa.Öberg").unwrap().as_str(),
        "asa.oberg"
    );
    assert!(sanitise_username("!").is_none());
}

#[test]
fn add_and_list_visits() {
    let (_d, s) = setup();
    add_client(&s, "K-017");
    add_client(&s, "K-018");
    let v = visit_add(&s, &visit_input("K-017", &yesterday_at_ten())).unwrap();
    assert_eq!(
        v.staff.iter().map(|u| u.as_str()).collect::<Vec<_>>(),
        ["anna", "bo"]
    );
    assert!(v.network);
    let mut other = visit_input("K-018", &yesterday_at_ten());
    other.contact = Some("phone".into());
    other.setting = None;
    visit_add(&s, &other).unwrap();

    let all = visit_list(&s, &VisitListInput::default()).unwrap();
    assert_eq!(all.len(), 2);
    let mine = visit_list(
        &s,
        &VisitListInput {
            client: Some("K-017".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].client_code.as_ref().unwrap().as_str(), "K-017");
    let day = (Local::now() - Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let by_day = visit_list(
        &s,
        &VisitListInput {
            from: Some(day.clone()),
            to: Some(day),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(by_day.len(), 2);
    let today = Local::now().format("%Y-%m-%d").to_string();
    assert!(
        visit_list(
            &s,
            &VisitListInput {
                from: Some(today),
                ..Default::default()
            }
        )
        .unwrap()
        .is_empty()
    );

    let json = serde_json::to_value(&mine).unwrap();
    for k in [
        "id",
        "client",
        "client_code",
        "start",
        "minutes",
        "contact",
        "setting",
        "place",
        "note",
        "staff",
        "network",
    ] {
        assert!(json[0].get(k).is_some(), "missing {k}");
    }
    assert_eq!(json[0]["contact"], "face_to_face");
    assert_eq!(json[0]["place"], "Töre");

    // edit and delete
    let edited = visit_edit(
        &s,
        &v.id.to_string(),
        &VisitInput {
            minutes: Some(30),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(edited.minutes, 30);
    assert_eq!(edited.note, v.note);
    visit_delete(&s, &v.id.to_string()).unwrap();
    assert_eq!(visit_list(&s, &VisitListInput::default()).unwrap().len(), 1);
    let st = status(&s).unwrap();
    assert_eq!((st.counts.clients, st.counts.visits), (2, 1));
    assert_eq!(st.counts.outbox_pending, 6);
}

#[test]
fn invalid_input_names_field_and_rule_and_writes_nothing() {
    let (_d, s) = setup();
    add_client(&s, "K-017");
    let before = s.status().unwrap();
    let cases = [
        (
            "minutes",
            VisitInput {
                minutes: Some(0),
                ..visit_input("K-017", &yesterday_at_ten())
            },
        ),
        (
            "setting",
            VisitInput {
                setting: None,
                ..visit_input("K-017", &yesterday_at_ten())
            },
        ),
        (
            "contact",
            VisitInput {
                contact: Some("teleport".into()),
                ..visit_input("K-017", &yesterday_at_ten())
            },
        ),
        (
            "place",
            VisitInput {
                place: Some("Storgatan 5".into()),
                ..visit_input("K-017", &yesterday_at_ten())
            },
        ),
        ("start", visit_input("K-017", "20 nov")),
        (
            "start",
            visit_input(
                "K-017",
                &(Local::now() + Duration::days(3))
                    .format("%Y-%m-%dT10:00")
                    .to_string(),
            ),
        ),
        ("client", visit_input("K-099", &yesterday_at_ten())),
        (
            "with",
            VisitInput {
                with: Some(vec!["Bo B".into()]),
                ..visit_input("K-017", &yesterday_at_ten())
            },
        ),
    ];
    for (field, input) in cases {
        let e = visit_add(&s, &input).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains(&format!("{field}:")), "{field}: {msg}");
        assert!(
            !msg.contains("Storgatan") && !msg.contains("Mådde"),
            "no input echoed: {msg}"
        );
    }
    let e = client_add(
        &s,
        "K-17",
        &ClientInput {
            name: Some("X".into()),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("code:"), "{e}");
    let e = client_add(
        &s,
        "K-017",
        &ClientInput {
            name: Some("X".into()),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("already used"), "{e}");
    assert_eq!(s.status().unwrap(), before);
}

#[test]
fn client_edit_and_render() {
    let (_d, s) = setup();
    add_client(&s, "K-017");
    let input = ClientInput {
        phase: Some("closed".into()),
        ..Default::default()
    };
    let e = client_edit(&s, "K-017", None, &input).unwrap_err();
    assert!(e.to_string().contains("closure:"), "{e}");
    let input = ClientInput {
        phase: Some("closed".into()),
        closure: Some("other".into()),
        ..Default::default()
    };
    let e = client_edit(&s, "K-017", None, &input).unwrap_err();
    assert!(e.to_string().contains("closed_reason:"), "{e}");
    let input = ClientInput {
        phase: Some("closed".into()),
        closure: Some("moved".into()),
        next_contact: Some("2026-12-01".into()),
        ..Default::default()
    };
    let c = client_edit(&s, "K-017", Some("K-020"), &input).unwrap();
    assert_eq!(c.code.as_str(), "K-020");
    assert_eq!(c.closure, Some(uppsok_model::ClosureReason::Moved));
    assert_eq!(c.closed_on, Some(Local::now().date_naive()), "closed today");
    let text = render_clients(&client_list(&s, false).unwrap());
    assert!(text.contains("K-020") && text.contains("closed") && text.contains("2026-12-01"));
    assert!(text.contains("closure:moved"), "{text}");
    // Reopened: the closure goes with the phase.
    let c = client_edit(
        &s,
        "K-020",
        None,
        &ClientInput {
            phase: Some("active".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        (c.closure, c.closed_on, c.closed_reason),
        (None, None, None)
    );
}

#[test]
fn the_act_fields_of_a_client_and_my_clients() {
    let (_d, s) = setup();
    let day = |t: &str| chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").unwrap();
    let c = client_add(
        &s,
        "K-001",
        &ClientInput {
            name: Some("Aino Niemi".into()),
            admitted: Some("2026-03-02".into()),
            referral: Some("social_services".into()),
            contact_person: Some("bo".into()),
            deputy: Some("anna".into()),
            protected: Some(true),
            consent: Some("given".into()),
            consent_scope: Some("contacts_and_outcomes".into()),
            consent_until: Some("2027-03-01".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(c.admitted, Some(day("2026-03-02")));
    assert_eq!(c.referral, Some(uppsok_model::Referral::SocialServices));
    assert_eq!(c.contact_person.as_ref().map(|u| u.as_str()), Some("bo"));
    assert_eq!(c.deputy.as_ref().map(|u| u.as_str()), Some("anna"));
    assert!(c.protected_identity);
    assert_eq!(
        c.consent.scope,
        uppsok_model::ConsentScope::ContactsAndOutcomes
    );
    assert_eq!(c.consent.until, Some(day("2027-03-01")));
    let other = client_add(
        &s,
        "K-002",
        &ClientInput {
            name: Some("Bo Berg".into()),
            contact_person: Some("cecilia".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(other.admitted, Some(Local::now().date_naive()), "today");
    let mine: Vec<String> = client_list(&s, true)
        .unwrap()
        .iter()
        .map(|c| c.code.to_string())
        .collect();
    assert_eq!(mine, ["K-001"]);
    // A protected client's name stays out of the list.
    let text = render_clients(&client_list(&s, false).unwrap());
    assert!(
        !text.contains("Aino") && text.contains("(skyddad)"),
        "{text}"
    );
    assert!(text.contains("Bo Berg") && text.contains("contact:cecilia/-"));
    // Clearing the contact person with a deputy left is refused, naming the deputy.
    let e = client_edit(
        &s,
        "K-001",
        None,
        &ClientInput {
            contact_person: Some(String::new()),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("deputy:"), "{e}");
    for (input, field) in [
        (
            ClientInput {
                referral: Some("doctor".into()),
                ..Default::default()
            },
            "referral:",
        ),
        (
            ClientInput {
                consent_scope: Some("everything".into()),
                ..Default::default()
            },
            "consent_scope:",
        ),
        (
            ClientInput {
                deputy: Some("Bo Berg".into()),
                ..Default::default()
            },
            "deputy:",
        ),
        (
            ClientInput {
                admitted: Some("2 mars".into()),
                ..Default::default()
            },
            "admitted:",
        ),
    ] {
        let e = client_edit(&s, "K-001", None, &input).unwrap_err();
        assert!(e.to_string().contains(field), "{field}: {e}");
        assert!(!e.to_string().contains("Bo Berg"), "{e}");
    }
    assert_eq!(s.client(c.id).unwrap().contact_person, c.contact_person);
}

#[test]
fn a_network_only_contact_and_a_group_contact() {
    let (_d, s) = setup();
    add_client(&s, "K-017");
    let input = VisitInput {
        contact: Some("phone".into()),
        setting: None,
        network: Some(true),
        client_present: Some(false),
        ..visit_input("K-017", &yesterday_at_ten())
    };
    let v = visit_add(&s, &input).unwrap();
    assert!(!v.client_present && v.network && !v.reached_client());
    let attempt = VisitInput {
        contact: Some("attempted".into()),
        ..input.clone()
    };
    let e = visit_add(&s, &attempt).unwrap_err();
    assert!(e.to_string().contains("client_present:"), "{e}");
    let e = visit_edit(
        &s,
        &v.id.to_string(),
        &VisitInput {
            network: Some(false),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("network:"), "{e}");
    let g = visit_edit(
        &s,
        &v.id.to_string(),
        &VisitInput {
            client_present: Some(true),
            group: Some(true),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(g.group && g.client_present && g.reached_client());
    assert_eq!(s.status().unwrap().visits, 1);
}

#[test]
fn local_time_parsing() {
    let t = parse_local_time("start", "2026-11-20T10:00").unwrap();
    assert_eq!(t.with_timezone(&Local).format("%H:%M").to_string(), "10:00");
    assert_eq!(
        parse_local_time("start", "2026-11-20 10:00:30").unwrap() - t,
        Duration::seconds(30)
    );
    assert_eq!(
        parse_local_time("start", "2026-11-20T10:00:00+01:00").unwrap(),
        "2026-11-20T09:00:00Z"
            .parse::<chrono::DateTime<Utc>>()
            .unwrap()
    );
    assert!(parse_local_time("start", "tomorrow").is_err());
}

#[test]
fn listing_a_clients_visits_is_logged_as_an_opening_of_its_history() {
    let (_dir, store) = setup();
    add_client(&store, "K-017");
    visit_list(&store, &VisitListInput::default()).unwrap();
    assert!(
        store.pending_access(10).unwrap().is_empty(),
        "a listing of all visits opens no client"
    );
    let input = VisitListInput {
        client: Some("K-017".into()),
        ..Default::default()
    };
    visit_list(&store, &input).unwrap();
    let events = store.pending_access(10).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].what, uppsok_model::AccessKind::OpenHistory);
    let status = status(&store).unwrap();
    assert!(render_status(&status).contains("access events waiting: 1"));
}
