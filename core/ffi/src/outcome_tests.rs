//! Outcomes through the facade: each kind saved and listed back newest first with its fields,
//! the kind's missing field named, edits and deletes by the author only, and the wording the
//! apps show taken from the model.

use super::tests::{key, new_client, path};
use super::*;
use std::sync::Arc;
use uppsok_model as m;

fn store(dir: &tempfile::TempDir) -> Arc<UppsokStore> {
    UppsokStore::create(path(dir), "anna".into(), key()).unwrap()
}

/// An outcome of `kind` on `day` from the client, with no kind fields filled in.
fn input(client: &str, day: &str, kind: OutcomeKind) -> OutcomeInput {
    OutcomeInput {
        id: None,
        client_id: client.into(),
        day: day.into(),
        source: OutcomeSource::Client,
        kind,
        care: None,
        discharged: None,
        compulsory: false,
        housing: None,
        occupation: None,
        respondent: None,
        answers: Vec::new(),
    }
}

fn invalid_field(e: UppsokError) -> String {
    match e {
        UppsokError::Invalid { field, .. } => field,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn each_kind_round_trips_and_lists_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir);
    let client = store.add_client(new_client("K-017")).unwrap();
    let other = store.add_client(new_client("K-018")).unwrap();

    let stay = store
        .save_outcome(OutcomeInput {
            source: OutcomeSource::InpatientCare,
            care: Some(Care::Addiction),
            discharged: Some("2026-03-09".into()),
            compulsory: true,
            ..input(&client.id, "2026-03-02", OutcomeKind::Inpatient)
        })
        .unwrap();
    assert_eq!(stay.author, "anna");
    assert_eq!(stay.client_code.as_deref(), Some("K-017"));
    assert_eq!(stay.compulsory_law.as_deref(), Some("LVM"));
    assert_eq!(stay.discharged.as_deref(), Some("2026-03-09"));
    assert!(stay.answers.is_empty());

    let er = store
        .save_outcome(input(&client.id, "2026-04-11", OutcomeKind::Emergency))
        .unwrap();
    let moved = store
        .save_outcome(OutcomeInput {
            housing: Some(Housing::Secondhand),
            ..input(&client.id, "2026-01-15", OutcomeKind::Housing)
        })
        .unwrap();
    let idle = store
        .save_outcome(OutcomeInput {
            occupation: Some(Occupation::NoRegularActivity),
            ..input(&client.id, "2026-02-01", OutcomeKind::Occupation)
        })
        .unwrap();
    let answer = store
        .save_outcome(OutcomeInput {
            source: OutcomeSource::Relative,
            respondent: Some(Respondent::Relative),
            answers: vec![Some(4), None, Some(5), Some(1)],
            ..input(&client.id, "2026-05-20", OutcomeKind::Satisfaction)
        })
        .unwrap();
    store
        .save_outcome(input(&other.id, "2026-05-21", OutcomeKind::Emergency))
        .unwrap();

    let listed = store.outcomes_for_client(client.id.clone()).unwrap();
    let days: Vec<&str> = listed.iter().map(|o| o.day.as_str()).collect();
    assert_eq!(
        days,
        [
            "2026-05-20",
            "2026-04-11",
            "2026-03-02",
            "2026-02-01",
            "2026-01-15"
        ]
    );
    assert_eq!(listed[0], answer);
    assert_eq!(listed[0].answers, vec![Some(4), None, Some(5), Some(1)]);
    assert_eq!(listed[0].respondent, Some(Respondent::Relative));
    assert_eq!(listed[1], er);
    assert_eq!(listed[2], stay);
    assert_eq!(listed[3], idle);
    assert_eq!(listed[3].occupation, Some(Occupation::NoRegularActivity));
    assert_eq!(listed[4], moved);

    // Sealed in the store as the model's outcome, the occupation under its model code.
    let stored = store
        .shared
        .with(|s| Ok(s.outcome(idle.id.parse().unwrap())?))
        .unwrap();
    assert_eq!(
        stored.event,
        m::outcome::Event::Occupation {
            occupation: m::outcome::Occupation::None
        }
    );
}

#[test]
fn a_kind_without_its_field_names_it_and_saves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir);
    let client = store.add_client(new_client("K-017")).unwrap();

    let cases = [
        (
            input(&client.id, "2026-03-02", OutcomeKind::Inpatient),
            "care",
        ),
        (
            input(&client.id, "2026-03-02", OutcomeKind::Housing),
            "housing",
        ),
        (
            input(&client.id, "2026-03-02", OutcomeKind::Occupation),
            "occupation",
        ),
        (
            OutcomeInput {
                answers: vec![Some(3), None, None, None],
                ..input(&client.id, "2026-03-02", OutcomeKind::Satisfaction)
            },
            "respondent",
        ),
        (
            OutcomeInput {
                respondent: Some(Respondent::Client),
                answers: vec![None, None, None, None],
                ..input(&client.id, "2026-03-02", OutcomeKind::Satisfaction)
            },
            "answers",
        ),
        (
            OutcomeInput {
                respondent: Some(Respondent::Client),
                answers: vec![Some(6), None, None, None],
                ..input(&client.id, "2026-03-02", OutcomeKind::Satisfaction)
            },
            "answers",
        ),
        (
            OutcomeInput {
                respondent: Some(Respondent::Client),
                answers: vec![Some(-1), None, None, None],
                ..input(&client.id, "2026-03-02", OutcomeKind::Satisfaction)
            },
            "answers",
        ),
        (
            OutcomeInput {
                respondent: Some(Respondent::Client),
                answers: vec![Some(3), None, None],
                ..input(&client.id, "2026-03-02", OutcomeKind::Satisfaction)
            },
            "answers",
        ),
        (
            OutcomeInput {
                care: Some(Care::Psychiatric),
                discharged: Some("2026-03-01".into()),
                ..input(&client.id, "2026-03-02", OutcomeKind::Inpatient)
            },
            "discharged",
        ),
        (input(&client.id, "2.3.2026", OutcomeKind::Emergency), "day"),
        (
            input(&client.id, "1989-12-31", OutcomeKind::Emergency),
            "day",
        ),
        (
            input("K-017", "2026-03-02", OutcomeKind::Emergency),
            "client",
        ),
        (
            input(
                &m::ClientId::new().to_string(),
                "2026-03-02",
                OutcomeKind::Emergency,
            ),
            "client",
        ),
    ];
    for (case, field) in cases {
        let e = store.save_outcome(case.clone()).unwrap_err();
        assert_eq!(invalid_field(e), field, "{case:?}");
    }
    assert!(store.outcomes_for_client(client.id).unwrap().is_empty());
    assert_eq!(
        store.sync_status().unwrap().waiting,
        1,
        "only the client waits"
    );
}

#[test]
fn only_the_author_edits_or_deletes() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir);
    let client = store.add_client(new_client("K-017")).unwrap();
    let mine = store
        .save_outcome(OutcomeInput {
            care: Some(Care::Psychiatric),
            ..input(&client.id, "2026-03-02", OutcomeKind::Inpatient)
        })
        .unwrap();
    assert_eq!(mine.discharged, None);
    assert_eq!(mine.compulsory_law, None);

    // The author records the discharge and the LPT later: the same outcome, changed.
    let edited = store
        .save_outcome(OutcomeInput {
            id: Some(mine.id.clone()),
            care: Some(Care::Psychiatric),
            discharged: Some("2026-03-20".into()),
            compulsory: true,
            ..input(&client.id, "2026-03-02", OutcomeKind::Inpatient)
        })
        .unwrap();
    assert_eq!(edited.id, mine.id);
    assert_eq!(edited.compulsory_law.as_deref(), Some("LPT"));
    assert_eq!(
        store.outcomes_for_client(client.id.clone()).unwrap(),
        vec![edited]
    );

    // A colleague's outcome, as a sync brings it: shown, but neither changed nor deleted here.
    let theirs = m::Outcome {
        id: m::OutcomeId::new(),
        client: client.id.parse().unwrap(),
        author: m::Username::parse("bertil").unwrap(),
        day: chrono::NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
        source: m::outcome::Source::Staff,
        event: m::outcome::Event::Emergency,
    };
    let hlc = m::Hlc {
        wall_ms: 1_780_000_000_000,
        counter: 0,
        node: 9,
    };
    store
        .shared
        .with(|s| Ok(s.apply_remote(&m::Record::Outcome(theirs.clone()), hlc, false)?))
        .unwrap();
    let e = store
        .save_outcome(OutcomeInput {
            id: Some(theirs.id.to_string()),
            ..input(&client.id, "2026-04-02", OutcomeKind::Emergency)
        })
        .unwrap_err();
    assert_eq!(invalid_field(e), "author");
    let e = store.delete_outcome(theirs.id.to_string()).unwrap_err();
    assert_eq!(invalid_field(e), "author");
    let listed = store.outcomes_for_client(client.id.clone()).unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].author, "bertil");
    assert_eq!(listed[0].day, "2026-04-01");

    store.delete_outcome(mine.id.clone()).unwrap();
    let listed = store.outcomes_for_client(client.id.clone()).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].author, "bertil");
    assert!(matches!(
        store.delete_outcome(mine.id),
        Err(UppsokError::NotFound { .. })
    ));
}

#[test]
fn wording_comes_from_the_model() {
    let questions = satisfaction_questions();
    assert_eq!(questions.len(), 4);
    assert_eq!(questions[2].sv, "Jag blir bemött med respekt");
    assert_eq!(questions[3].en, "My situation has improved");
    assert_eq!(
        outcome_source_label(OutcomeSource::Client).sv,
        "Uppgift från klienten"
    );
    assert_eq!(
        outcome_source_label(OutcomeSource::InpatientCare).sv,
        "Från slutenvården"
    );
    assert_eq!(
        outcome_kind_label(OutcomeKind::Emergency).sv,
        "Besök på akutmottagning"
    );
    assert_eq!(
        care_label(Care::Psychiatric).en,
        "Psychiatric inpatient care"
    );
    assert_eq!(
        housing_label(Housing::Homeless).sv,
        "Hemlös eller tillfälligt boende"
    );
    assert_eq!(
        occupation_label(Occupation::NoRegularActivity).sv,
        "Ingen regelbunden sysselsättning"
    );
    assert_eq!(respondent_label(Respondent::Relative).sv, "Närstående");
    assert_eq!(compulsory_law(Care::Psychiatric), "LPT");
    assert_eq!(compulsory_law(Care::Addiction), "LVM");
}
