//! The client and visit fields of the ACT model through the facade: an edit that starts from
//! [`client_edit_input`] changes only what the user changed (the contact person, admission and
//! closure set elsewhere survive, and the change names only the edited field group), the
//! admission estimate of old records, "my clients" first, and network-only and group contacts.

use super::tests::{key, new_client, path};
use super::*;
use chrono::{Duration, Local, NaiveDate, Utc};
use std::sync::Arc;
use uppsok_model as m;

fn day(y: i32, mo: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, mo, d)
}

fn user(n: &str) -> m::Username {
    m::Username::parse(n).unwrap()
}

fn store(dir: &tempfile::TempDir) -> Arc<UppsokStore> {
    UppsokStore::create(path(dir), "anna".into(), key()).unwrap()
}

/// Put `c` on the phone as if pulled from the server, revised at `when`.
fn pulled(store: &UppsokStore, c: &m::Client, when: chrono::DateTime<Utc>) {
    let hlc = m::Hlc {
        wall_ms: when.timestamp_millis(),
        counter: 0,
        node: 9,
    };
    store
        .shared
        .with(|s| Ok(s.apply_remote(&m::Record::Client(c.clone()), hlc, false)?))
        .unwrap();
}

fn stored(store: &UppsokStore, id: m::ClientId) -> m::Client {
    store.shared.with(|s| Ok(s.client(id)?)).unwrap()
}

/// The field groups the newest waiting change of a client says it set.
fn last_edited(store: &UppsokStore) -> Option<Vec<String>> {
    store
        .shared
        .with(|s| Ok(s.outbox_batch(100)?))
        .unwrap()
        .pop()
        .and_then(|e| e.edited)
}

fn groups(names: &[&str]) -> Option<Vec<String>> {
    Some(names.iter().map(|n| (*n).to_owned()).collect())
}

fn profile(store: &UppsokStore) -> uppsok_device::Profile {
    store.shared.with(|s| Ok(s.profile()?)).unwrap()
}

#[test]
fn editing_one_field_keeps_contact_person_admission_and_closure() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir);
    let p = profile(&store);
    // The client as the dashboard left it: closed with a coded reason and its day, a contact
    // person and a deputy, an admission with its referral, consent recorded by someone else.
    let full = m::Client {
        id: m::ClientId::new(),
        team: p.team,
        code: m::ClientCode::parse("K-017").unwrap(),
        name: m::PersonName::parse("Aino Niemi").unwrap(),
        org: p.org,
        phase: m::Phase::Closed,
        closed_reason: Some("Flyttade till dottern".into()),
        next_contact: None,
        consent: m::Consent {
            state: m::ConsentState::Given,
            date: day(2026, 2, 1),
            recorded_by: Some(user("cecilia")),
            scope: m::ConsentScope::ContactsAndOutcomes,
            until: day(2026, 12, 31),
        },
        admitted: day(2026, 1, 15),
        referral: Some(m::Referral::SocialServices),
        contact_person: Some(user("bo")),
        deputy: Some(user("anna")),
        closed_on: day(2026, 11, 2),
        closure: Some(m::ClosureReason::Moved),
        protected_identity: true,
    };
    pulled(&store, &full, Utc::now() - Duration::days(3));

    let item = store.client(full.id.to_string()).unwrap();
    assert_eq!(item.contact_person.as_deref(), Some("bo"));
    assert_eq!(item.deputy.as_deref(), Some("anna"));
    assert!(item.mine, "the deputy's client is hers too");
    assert_eq!(item.admitted.as_deref(), Some("2026-01-15"));
    assert_eq!(item.admission, "2026-01-15");
    assert!(!item.admission_estimated);
    assert_eq!(item.referral, Some(Referral::SocialServices));
    assert_eq!(item.closure, Some(ClosureReason::Moved));
    assert_eq!(item.closed_on.as_deref(), Some("2026-11-02"));
    assert_eq!(item.consent_scope, ConsentScope::ContactsAndOutcomes);
    assert_eq!(item.consent_until.as_deref(), Some("2026-12-31"));
    assert!(item.protected_identity);

    // Only the next planned contact changes: everything else is saved as it was, and the
    // change names only its group, so the server merges nothing else from this phone.
    let mut input = client_edit_input(item);
    input.next_contact = Some("2026-12-24".into());
    store.edit_client(input).unwrap();
    assert_eq!(
        stored(&store, full.id),
        m::Client {
            next_contact: day(2026, 12, 24),
            ..full.clone()
        }
    );
    assert_eq!(last_edited(&store), groups(&["next_contact"]));

    // Swapping contact person and deputy is an edit of that group alone.
    let mut input = client_edit_input(store.client(full.id.to_string()).unwrap());
    input.contact_person = Some("anna".into());
    input.deputy = Some("bo".into());
    let item = store.edit_client(input).unwrap();
    assert!(item.mine);
    assert_eq!(last_edited(&store), groups(&["contact_person"]));
    let now = stored(&store, full.id);
    assert_eq!((now.admitted, now.closure), (full.admitted, full.closure));
    assert_eq!(now.consent.recorded_by, Some(user("cecilia")));
}

#[test]
fn an_old_client_shows_an_estimated_admission_until_one_is_saved() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir);
    let p = profile(&store);
    let old = m::Client {
        // A version 4 id carries no creation time: the estimate comes from what else the
        // phone holds.
        id: m::ClientId(uuid::Uuid::from_u128(
            0x6f1c2a9e_5b3d_4c1e_8a7f_0123456789ab,
        )),
        team: p.team,
        code: m::ClientCode::parse("K-003").unwrap(),
        name: m::PersonName::parse("Bo Berg").unwrap(),
        org: p.org,
        phase: m::Phase::Active,
        closed_reason: None,
        next_contact: None,
        consent: m::Consent::default(),
        admitted: None,
        referral: None,
        contact_person: None,
        deputy: None,
        closed_on: None,
        closure: None,
        protected_identity: false,
    };
    pulled(&store, &old, Utc::now() - Duration::days(10));
    let item = store.client(old.id.to_string()).unwrap();
    let ten_days_ago = (Local::now() - Duration::days(10)).date_naive();
    assert_eq!(item.admission, ten_days_ago.to_string());
    assert!(item.admission_estimated);
    assert_eq!(item.admitted, None);

    // A visit 40 days ago is an earlier trace of the client than the record's revision.
    let forty = Utc::now() - Duration::days(40);
    store
        .log_visit(VisitInput {
            id: None,
            client_id: item.id.clone(),
            staff: vec![],
            start_ms: forty.timestamp_millis(),
            minutes: 30,
            contact: ContactKind::FaceToFace,
            setting: Some(Setting::Home),
            network: false,
            client_present: true,
            group: false,
            place: None,
            note: None,
        })
        .unwrap();
    let item = store.client(old.id.to_string()).unwrap();
    let estimate = forty.with_timezone(&Local).date_naive().to_string();
    assert_eq!(item.admission, estimate);
    assert!(item.admission_estimated);

    // An edit of something else leaves the estimate an estimate.
    let mut input = client_edit_input(item);
    input.next_contact = Some("2026-12-24".into());
    let item = store.edit_client(input).unwrap();
    assert!(item.admission_estimated);
    assert_eq!(stored(&store, old.id).admitted, None);
    assert_eq!(last_edited(&store), groups(&["next_contact"]));

    // Saved by a person, it is the admission date.
    let mut input = client_edit_input(item);
    input.admitted = Some(estimate.clone());
    input.referral = Some(Referral::Psychiatry);
    let item = store.edit_client(input).unwrap();
    assert_eq!(item.admitted.as_deref(), Some(estimate.as_str()));
    assert!(!item.admission_estimated);
    assert_eq!(last_edited(&store), groups(&["admission"]));
}

#[test]
fn a_new_clients_admission_is_estimated_as_today_until_given() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir);
    let c = store.add_client(new_client("K-001")).unwrap();
    assert!(c.admission_estimated);
    assert_eq!(c.admission, Local::now().date_naive().to_string());
    let c = store
        .add_client(ClientInput {
            admitted: Some("2026-03-02".into()),
            referral: Some(Referral::SelfReferral),
            ..new_client("K-002")
        })
        .unwrap();
    assert!(!c.admission_estimated);
    assert_eq!(c.admission, "2026-03-02");
    assert_eq!(c.referral, Some(Referral::SelfReferral));
}

#[test]
fn closure_and_contact_person_rules_name_their_field() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir);
    let closed = |closure, text: Option<&str>| ClientInput {
        phase: Phase::Closed,
        closure,
        closed_on: Some("2026-11-02".into()),
        closed_reason: text.map(str::to_owned),
        admitted: Some("2026-01-15".into()),
        ..new_client("K-009")
    };
    let cases: Vec<(&str, ClientInput)> = vec![
        ("closure", closed(None, None)),
        ("closed_reason", closed(Some(ClosureReason::Other), None)),
        (
            "closed_on",
            ClientInput {
                admitted: Some("2026-11-03".into()),
                ..closed(Some(ClosureReason::Moved), None)
            },
        ),
        (
            "closed_on",
            ClientInput {
                closed_on: Some("2 november".into()),
                ..closed(Some(ClosureReason::Moved), None)
            },
        ),
        (
            "deputy",
            ClientInput {
                deputy: Some("bo".into()),
                ..new_client("K-009")
            },
        ),
        (
            "deputy",
            ClientInput {
                contact_person: Some("bo".into()),
                deputy: Some("bo".into()),
                ..new_client("K-009")
            },
        ),
        (
            "contact_person",
            ClientInput {
                contact_person: Some("Bo Berg".into()),
                ..new_client("K-009")
            },
        ),
        (
            "consent.until",
            ClientInput {
                consent: ConsentState::Given,
                consent_date: Some("2026-05-01".into()),
                consent_until: Some("2026-04-30".into()),
                ..new_client("K-009")
            },
        ),
    ];
    for (field, input) in cases {
        match store.add_client(input) {
            Err(UppsokError::Invalid { field: f, rule }) => {
                assert_eq!(f, field, "{rule}");
                assert!(
                    !rule.contains("Bo Berg") && !rule.contains("Aino"),
                    "{rule}"
                );
            }
            other => panic!("{field}: {other:?}"),
        }
    }
    assert!(store.clients().unwrap().is_empty(), "nothing saved");
    let c = store
        .add_client(closed(
            Some(ClosureReason::Other),
            Some("Flyttade till vårdboende"),
        ))
        .unwrap();
    assert_eq!(c.closure, Some(ClosureReason::Other));
}

#[test]
fn my_clients_come_first_in_the_picker() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir);
    let add = |code: &str, contact: Option<&str>, deputy: Option<&str>| {
        store
            .add_client(ClientInput {
                contact_person: contact.map(str::to_owned),
                deputy: deputy.map(str::to_owned),
                ..new_client(code)
            })
            .unwrap()
    };
    let k1 = add("K-001", None, None);
    add("K-002", Some("anna"), None);
    let k3 = add("K-003", Some("bo"), Some("anna"));
    add("K-004", Some("bo"), None);
    let visit = |id: &str, hours: i64| {
        store
            .log_visit(VisitInput {
                id: None,
                client_id: id.to_owned(),
                staff: vec![],
                start_ms: (Utc::now() - Duration::hours(hours)).timestamp_millis(),
                minutes: 30,
                contact: ContactKind::Phone,
                setting: None,
                network: false,
                client_present: true,
                group: false,
                place: None,
                note: None,
            })
            .unwrap()
    };
    visit(&k1.id, 1);
    visit(&k3.id, 48);
    let codes = |items: Vec<ClientItem>| items.into_iter().map(|c| c.code).collect::<Vec<_>>();
    // Hers first (the one visited most recently first), then the rest the same way.
    assert_eq!(
        codes(store.recent_clients(10).unwrap()),
        ["K-003", "K-002", "K-001", "K-004"]
    );
    assert_eq!(codes(store.my_clients().unwrap()), ["K-002", "K-003"]);
    let mine: Vec<bool> = store.clients().unwrap().iter().map(|c| c.mine).collect();
    assert_eq!(mine, [false, true, true, false]);
}

#[test]
fn a_network_only_contact_does_not_reach_the_client() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir);
    let c = store.add_client(new_client("K-017")).unwrap();
    let call = |present: bool, network: bool, contact: ContactKind, group: bool| VisitInput {
        id: None,
        client_id: c.id.clone(),
        staff: vec![],
        start_ms: (Utc::now() - Duration::hours(2)).timestamp_millis(),
        minutes: 20,
        contact,
        setting: (contact == ContactKind::FaceToFace).then_some(Setting::Community),
        network,
        client_present: present,
        group,
        place: None,
        note: None,
    };
    // A call with the mother while the client is away.
    let v = store
        .log_visit(call(false, true, ContactKind::Phone, false))
        .unwrap();
    assert!(!v.client_present && v.network);
    let listed = store.client(c.id.clone()).unwrap();
    assert!(listed.last_visit_ms.is_some());
    assert_eq!(listed.last_contact_ms, None, "the client was not reached");
    assert_eq!(listed.days_since_contact, None);
    assert!(!store.visits_for_client(c.id.clone()).unwrap()[0].client_present);

    for (field, input) in [
        (
            "client_present",
            call(false, true, ContactKind::Attempted, false),
        ),
        ("network", call(false, false, ContactKind::Phone, false)),
    ] {
        assert!(
            matches!(store.log_visit(input), Err(UppsokError::Invalid { field: f, .. }) if f == field),
            "{field}"
        );
    }
    assert_eq!(store.visits_for_client(c.id.clone()).unwrap().len(), 1);

    // A group activity with the client there reaches the client.
    let g = store
        .log_visit(call(true, false, ContactKind::FaceToFace, true))
        .unwrap();
    assert!(g.group);
    assert!(store.client(c.id).unwrap().last_contact_ms.is_some());
}

/// The phone's access log is kept by the core where it serves a client's data: opening the
/// client and its history (visits, outcomes) each log once per minute, listing clients and
/// saving do not, and an id the phone does not hold logs nothing.
#[test]
fn opening_a_client_and_its_history_is_logged_by_the_core() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(&dir);
    let c = s.add_client(new_client("K-001")).unwrap();
    s.clients().unwrap();
    s.my_clients().unwrap();
    let pending = |s: &UppsokStore| s.shared.with(|st| Ok(st.pending_access(100)?)).unwrap();
    assert!(
        pending(&s).is_empty(),
        "saving and listing are not openings"
    );
    s.client(c.id.clone()).unwrap();
    s.client(c.id.clone()).unwrap();
    s.visits_for_client(c.id.clone()).unwrap();
    s.outcomes_for_client(c.id.clone()).unwrap();
    let events = pending(&s);
    assert_eq!(
        events.iter().map(|e| e.what).collect::<Vec<_>>(),
        vec![m::AccessKind::OpenClient, m::AccessKind::OpenHistory],
        "one opening of the page and one of its history within a minute"
    );
    assert!(events.iter().all(|e| e.client.to_string() == c.id));
    let stranger = m::ClientId::new().to_string();
    assert!(s.visits_for_client(stranger.clone()).unwrap().is_empty());
    assert!(s.outcomes_for_client(stranger).unwrap().is_empty());
    assert_eq!(pending(&s).len(), 2);
}

/// The journal summary is an export: it holds the code and the contacts with their notes, never
/// the client's name, and is logged as an export. Before a server named a window the phone
/// keeps everything, and older history cannot be fetched without a server.
#[test]
fn a_journal_summary_is_logged_as_an_export_and_names_no_one() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(&dir);
    let c = s.add_client(new_client("K-001")).unwrap();
    let start = Local::now() - Duration::days(2);
    let v = s
        .log_visit(VisitInput {
            id: None,
            client_id: c.id.clone(),
            staff: vec![],
            start_ms: start.timestamp_millis(),
            minutes: 30,
            contact: ContactKind::Phone,
            setting: None,
            network: false,
            client_present: true,
            group: false,
            place: None,
            note: Some("Pratade om boendet".into()),
        })
        .unwrap();
    let pending = |s: &UppsokStore| s.shared.with(|st| Ok(st.pending_access(100)?)).unwrap();
    let from = (start - Duration::days(30)).date_naive().to_string();
    let to = Local::now().date_naive().to_string();
    let text = s
        .client_summary(c.id.clone(), from.clone(), to.clone())
        .unwrap();
    assert!(text.starts_with("Klient K-001: kontakter"), "{text}");
    assert!(
        text.contains("30 min, telefon") && text.contains("Pratade om boendet"),
        "{text}"
    );
    assert!(
        !text.contains("Aino") && !text.contains("Niemi"),
        "no name: {text}"
    );
    assert!(!text.contains("bara på servern"), "no window named: {text}");
    assert_eq!(v.client_code.as_deref(), Some("K-001"));
    let events = pending(&s);
    assert_eq!(
        events.iter().map(|e| e.what).collect::<Vec<_>>(),
        vec![m::AccessKind::Export]
    );
    // A backwards or too long period names its field; an unknown client is not found.
    let e = s
        .client_summary(c.id.clone(), to.clone(), from)
        .unwrap_err();
    assert!(
        matches!(e, UppsokError::Invalid { ref field, .. } if field == "to"),
        "{e}"
    );
    let stranger = m::ClientId::new().to_string();
    assert!(matches!(
        s.client_summary(stranger, to.clone(), to),
        Err(UppsokError::NotFound { .. })
    ));
    assert_eq!(pending(&s).len(), 1, "nothing more was logged");
    // No server: no window, and no older history to fetch.
    assert_eq!(s.history_window().unwrap(), None);
    assert_eq!(
        s.older_history(c.id.clone(), None).unwrap_err(),
        UppsokError::NotEnrolled
    );
}
