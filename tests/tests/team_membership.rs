//! Team membership changes reach real phones (the device store and sync client) over HTTP, on
//! SQLite and PostgreSQL: a case manager added to a team finds its clients and visits on the
//! phone after the next sync, although the phone's cursor had passed them long before; taken
//! off the team again, the phone holds none of them after the next sync (that the leaver's own
//! trips stay is checked on the wire in `sync_server.rs`).

mod phone_support;
mod server_common;

use phone_support::{case_managers, phone, sync_until_done};
use server_common::{Backend, blocking_app};
use uppsok_device::VisitFilter;
use uppsok_device::sync::{SyncClient, SyncConfig};
use uppsok_model::{
    Client, ClientCode, ClientId, Consent, ContactKind, Note, OrgKind, PersonName, Phase,
    PlaceName, Rates, Setting, Username, Visit, VisitId,
};

fn scenario(backend: Backend) {
    let (rt, app) = blocking_app(backend);
    let (kalix, olle, codes, org) = rt.block_on(async {
        let org = app
            .store
            .create_org("Kalix kommun", OrgKind::Municipality, Rates::default())
            .await
            .expect("org");
        let kalix = app
            .store
            .create_team("ACT Kalix", org.id, "K-###")
            .await
            .expect("team");
        let lulea = app
            .store
            .create_team("ACT Luleå", org.id, "L-###")
            .await
            .expect("team");
        let users = case_managers(
            &app.store,
            org.id,
            &[("anna", kalix.id), ("olle", lulea.id)],
        )
        .await;
        let olle = users[1].0;
        let codes: Vec<String> = users.into_iter().map(|(_, code)| code).collect();
        (kalix.id, olle, codes, org.id)
    });

    let dir = tempfile::tempdir().expect("dir");
    let (anna, olles) = (phone(dir.path(), "anna"), phone(dir.path(), "olle"));
    let client = SyncClient::new(SyncConfig::default()).expect("sync client");
    client
        .enrol_blocking(&anna, &app.base, &codes[0], Some("anna"))
        .expect("enrol anna");
    client
        .enrol_blocking(&olles, &app.base, &codes[1], Some("olle"))
        .expect("enrol olle");

    // Anna's client in Kalix, with a visit.
    let k = Client {
        id: ClientId::new(),
        team: kalix,
        code: ClientCode::parse("K-017").expect("code"),
        name: PersonName::parse("Maja Vesterlund").expect("name"),
        org,
        phase: Phase::Active,
        closed_reason: None,
        next_contact: None,
        consent: Consent::default(),
        admitted: None,
        referral: None,
        contact_person: None,
        deputy: None,
        closed_on: None,
        closure: None,
        protected_identity: false,
    };
    let me = Username::parse("anna").expect("username");
    let v = Visit {
        id: VisitId::new(),
        client: k.id,
        author: me.clone(),
        staff: vec![me],
        start: chrono::Utc::now() - chrono::Duration::hours(3),
        minutes: 50,
        contact: ContactKind::FaceToFace,
        setting: Some(Setting::Home),
        network: false,
        place: Some(PlaceName::parse("Töre").expect("place")),
        note: Some(Note::parse("Pratade om boendet").expect("note")),
        client_present: true,
        group: false,
    };
    anna.save_client(&k).expect("save client");
    anna.save_visit(&v).expect("save visit");
    sync_until_done(&client, &anna);

    // Olle's phone syncs while he is in Luleå only: nothing of Kalix, and his cursor passes it.
    sync_until_done(&client, &olles);
    assert!(olles.clients().expect("clients").is_empty());

    // Olle joins Kalix: his phone gets the team's history at the next sync.
    assert!(
        rt.block_on(app.store.add_staff_team(olle, kalix))
            .expect("add")
    );
    sync_until_done(&client, &olles);
    assert_eq!(olles.client(k.id).expect("the client reached olle"), k);
    let seen = olles.visits(&VisitFilter::default()).expect("visits");
    assert_eq!(
        seen,
        vec![v.clone()],
        "the visit, note included (same organisation)"
    );

    // Olle leaves Kalix: his phone drops its client and visits at the next sync.
    assert!(
        rt.block_on(app.store.remove_staff_team(olle, kalix))
            .expect("remove")
    );
    sync_until_done(&client, &olles);
    assert!(
        olles.clients().expect("clients").is_empty(),
        "the client is gone from the phone of the member who left"
    );
    assert!(
        olles
            .visits(&VisitFilter::default())
            .expect("visits")
            .is_empty()
    );
    // Anna's phone still has everything.
    assert_eq!(anna.client(k.id).expect("anna's client"), k);
    drop(app);
}

#[test]
fn membership_changes_reach_the_phone_sqlite() {
    scenario(Backend::Sqlite);
}

#[test]
fn membership_changes_reach_the_phone_postgres() {
    scenario(Backend::Postgres);
}
