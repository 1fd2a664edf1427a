//! Who may see and do what: pure functions over facts the store loaded, so the rules live in one
//! place, read like docs/design.md §3, and are unit-tested without a database. Every route, the sync
//! pull and the dashboard pages ask these functions; none decides visibility on its own.
//!
//! The rules:
//!
//! * A record belongs to the *record space* of its author's organisation (a client: the
//!   organisation that owns it).
//! * **Case managers and supervisors** see client data of their own teams only. Within a team,
//!   a client and the contacts (visits) with them are visible across organisations only while
//!   the client's consent to share is given; a record in the viewer's own record space stays
//!   visible to the viewer's organisation whatever the consent. Notes never leave their
//!   record space. Other teams see nothing.
//! * **Outcomes** (stays in care, emergency visits, housing, occupation, satisfaction) follow
//!   the contacts' rule: their author's record space, across organisations while the client's
//!   consent is given.
//! * **Places** a team added (names with coordinates, often of a home) follow the same rule
//!   as trips; the gazetteer's places (no team) are public.
//! * **Trips** (mileage, addresses, whom visited) are the driver's employer's business: visible
//!   to the driver's own organisation in the trip's team only, never across organisations. The
//!   team's supervisors see the sums of both organisations' trips (km, road time, mileage paid
//!   per organisation and for the team) on the cost page; no row, and no driver's own sums.
//! * **Admins** manage accounts, teams and devices of their own organisation and see no client
//!   data at all (data minimisation: running the system needs no client records). They may read
//!   the access log of their organisation, which holds ids and times but no client content.
//! * **Supervisors** follow up the access log for their teams: entries about their teams where
//!   either the reader or the record space is their organisation.
//! * **Case managers** have no JSON list API; they read through sync, which applies the same
//!   functions to what it sends to a device.

use std::collections::BTreeSet;

use uppsok_model::{OrgId, Role, StaffId, TeamId};

/// The one asking: a logged-in member of staff or the user of an enrolled device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    pub staff: StaffId,
    pub org: OrgId,
    pub role: Role,
    pub teams: BTreeSet<TeamId>,
}

/// What access checks need to know about a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientFacts {
    pub team: TeamId,
    pub org: OrgId,
    pub consent_given: bool,
}

/// What access checks need to know about a visit, trip or other record about a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordFacts {
    pub team: TeamId,
    /// The record space: the author's organisation.
    pub org: OrgId,
}

/// Roles that work with client data (admins do not).
pub fn works_with_client_data(v: &Viewer) -> bool {
    matches!(v.role, Role::CaseManager | Role::Supervisor)
}

/// Roles that may use the JSON read API for client data (case managers use sync).
pub fn may_use_client_api(v: &Viewer) -> bool {
    v.role == Role::Supervisor
}

pub fn may_see_client(v: &Viewer, c: &ClientFacts) -> bool {
    works_with_client_data(v) && v.teams.contains(&c.team) && (c.org == v.org || c.consent_given)
}

/// A visit is visible in its own record space, and across organisations while its client's
/// consent is given. `client` is `None` when the client is unknown to the server: then only
/// the own record space sees it.
pub fn may_see_visit(v: &Viewer, visit: &RecordFacts, client: Option<&ClientFacts>) -> bool {
    works_with_client_data(v)
        && v.teams.contains(&visit.team)
        && (visit.org == v.org || client.is_some_and(|c| c.consent_given))
}

/// An outcome (a stay in care, housing, a satisfaction answer …) is about a client like a
/// contact and follows the contact's rule: its author's record space, and across organisations
/// while the client's consent is in force *and its scope covers outcomes*. Callers pass the
/// client's facts as they govern outcomes (`TeamClient::outcome_facts`, or a row read with
/// `records::client_consent_sql`), whose `consent_given` already means exactly that.
pub fn may_see_outcome(v: &Viewer, outcome: &RecordFacts, client: Option<&ClientFacts>) -> bool {
    may_see_visit(v, outcome, client)
}

/// Notes never cross organisations, consent or not.
pub fn may_see_note(v: &Viewer, visit: &RecordFacts, client: Option<&ClientFacts>) -> bool {
    may_see_visit(v, visit, client) && visit.org == v.org
}

pub fn may_see_trip(v: &Viewer, trip: &RecordFacts) -> bool {
    works_with_client_data(v) && v.teams.contains(&trip.team) && trip.org == v.org
}

/// The sums of a team's trips across both organisations (km, road time, mileage paid, as team
/// and per-organisation totals on the cost page): the team's supervisors. A trip row, a
/// driver's own sums and anything naming whom was visited stay with [`may_see_trip`].
pub fn may_see_trip_totals(v: &Viewer, team: TeamId) -> bool {
    v.role == Role::Supervisor && v.teams.contains(&team)
}

/// A team's place (a name with coordinates, often of someone's home) is in its author's record
/// space like a trip: the author's organisation in that team, never across organisations, with
/// or without a client's consent. Gazetteer entries (no team) are public and not asked about.
pub fn may_see_place(v: &Viewer, place: &RecordFacts) -> bool {
    works_with_client_data(v) && v.teams.contains(&place.team) && place.org == v.org
}

/// Writing a client: into one's own record space, in one's own team, and never taking over a
/// client that exists in another organisation's space.
pub fn may_write_client(v: &Viewer, new: &ClientFacts, existing: Option<&ClientFacts>) -> bool {
    works_with_client_data(v)
        && v.teams.contains(&new.team)
        && new.org == v.org
        && existing.is_none_or(|e| e.org == v.org && v.teams.contains(&e.team))
}

/// Teams a viewer may list: supervisors and case managers their own; admins those their
/// organisation runs or has members in (passed as `org_teams`).
pub fn may_see_team(v: &Viewer, team: TeamId, team_org: OrgId, org_has_members: bool) -> bool {
    match v.role {
        Role::Admin => team_org == v.org || org_has_members,
        Role::Supervisor | Role::CaseManager => v.teams.contains(&team),
    }
}

/// Staff a viewer may list: admins their organisation's; supervisors the members of their
/// teams (colleagues' names are not client data).
pub fn may_see_staff(v: &Viewer, staff_org: OrgId, staff_teams: &[TeamId]) -> bool {
    match v.role {
        Role::Admin => staff_org == v.org,
        Role::Supervisor => staff_teams.iter().any(|t| v.teams.contains(t)),
        Role::CaseManager => false,
    }
}

/// Devices: admins of the owner's organisation; supervisors of the owner's organisation who
/// share a team with the owner.
pub fn may_manage_device(v: &Viewer, owner_org: OrgId, owner_teams: &[TeamId]) -> bool {
    match v.role {
        Role::Admin => owner_org == v.org,
        Role::Supervisor => owner_org == v.org && owner_teams.iter().any(|t| v.teams.contains(t)),
        Role::CaseManager => false,
    }
}

/// Access log entries: admins those involving their organisation (as reader or as record
/// space); supervisors the same, restricted to their teams.
pub fn may_see_audit_entry(
    v: &Viewer,
    actor_org: OrgId,
    record_org: Option<OrgId>,
    team: Option<TeamId>,
) -> bool {
    let involves_org = actor_org == v.org || record_org == Some(v.org);
    match v.role {
        Role::Admin => involves_org,
        Role::Supervisor => involves_org && team.is_some_and(|t| v.teams.contains(&t)),
        Role::CaseManager => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct World {
        muni: OrgId,
        region: OrgId,
        team: TeamId,
        other_team: TeamId,
    }

    fn world() -> World {
        World {
            muni: OrgId::new(),
            region: OrgId::new(),
            team: TeamId::new(),
            other_team: TeamId::new(),
        }
    }

    fn viewer(org: OrgId, role: Role, teams: &[TeamId]) -> Viewer {
        Viewer {
            staff: StaffId::new(),
            org,
            role,
            teams: teams.iter().copied().collect(),
        }
    }

    #[test]
    fn an_outcome_crosses_organisations_only_with_consent_and_never_to_an_admin() {
        let w = world();
        let region_cm = viewer(w.region, Role::CaseManager, &[w.team]);
        let muni_cm = viewer(w.muni, Role::CaseManager, &[w.team]);
        let other_team_sup = viewer(w.muni, Role::Supervisor, &[w.other_team]);
        let muni_admin = viewer(w.muni, Role::Admin, &[w.team]);
        // Recorded by the municipality about its client.
        let outcome = RecordFacts {
            team: w.team,
            org: w.muni,
        };
        for consent in [false, true] {
            let c = ClientFacts {
                team: w.team,
                org: w.muni,
                consent_given: consent,
            };
            assert!(may_see_outcome(&muni_cm, &outcome, Some(&c)));
            assert_eq!(may_see_outcome(&region_cm, &outcome, Some(&c)), consent);
            assert!(!may_see_outcome(&other_team_sup, &outcome, Some(&c)));
            assert!(!may_see_outcome(&muni_admin, &outcome, Some(&c)));
        }
        // The region recorded it (a ward's discharge) about the municipality's client: the
        // region keeps it whatever the consent; the municipality sees it only with consent.
        let from_region = RecordFacts {
            team: w.team,
            org: w.region,
        };
        let closed = ClientFacts {
            team: w.team,
            org: w.muni,
            consent_given: false,
        };
        assert!(may_see_outcome(&region_cm, &from_region, Some(&closed)));
        assert!(!may_see_outcome(&muni_cm, &from_region, Some(&closed)));
        // A client unknown to the server: the own record space only.
        assert!(may_see_outcome(&region_cm, &from_region, None));
        assert!(!may_see_outcome(&muni_cm, &from_region, None));
    }

    #[test]
    fn consent_opens_the_client_and_visits_but_never_the_note() {
        let w = world();
        let region_sup = viewer(w.region, Role::Supervisor, &[w.team]);
        let muni_sup = viewer(w.muni, Role::Supervisor, &[w.team]);
        for consent in [false, true] {
            let c = ClientFacts {
                team: w.team,
                org: w.muni,
                consent_given: consent,
            };
            let visit = RecordFacts {
                team: w.team,
                org: w.muni,
            };
            assert!(may_see_client(&muni_sup, &c));
            assert!(may_see_note(&muni_sup, &visit, Some(&c)));
            assert_eq!(may_see_client(&region_sup, &c), consent);
            assert_eq!(may_see_visit(&region_sup, &visit, Some(&c)), consent);
            assert!(!may_see_note(&region_sup, &visit, Some(&c)));
        }
    }

    #[test]
    fn own_record_space_stays_visible_after_withdrawal() {
        let w = world();
        let region_cm = viewer(w.region, Role::CaseManager, &[w.team]);
        let c = ClientFacts {
            team: w.team,
            org: w.muni,
            consent_given: false,
        };
        let own_visit = RecordFacts {
            team: w.team,
            org: w.region,
        };
        assert!(may_see_visit(&region_cm, &own_visit, Some(&c)));
        assert!(may_see_note(&region_cm, &own_visit, Some(&c)));
        assert!(!may_see_client(&region_cm, &c));
    }

    #[test]
    fn other_teams_and_admins_see_nothing() {
        let w = world();
        let c = ClientFacts {
            team: w.team,
            org: w.muni,
            consent_given: true,
        };
        let visit = RecordFacts {
            team: w.team,
            org: w.muni,
        };
        let other = viewer(w.muni, Role::Supervisor, &[w.other_team]);
        let admin = viewer(w.muni, Role::Admin, &[w.team]);
        for v in [&other, &admin] {
            assert!(!may_see_client(v, &c));
            assert!(!may_see_visit(v, &visit, Some(&c)));
            assert!(!may_see_trip(v, &visit));
        }
    }

    #[test]
    fn trips_stay_in_their_organisation() {
        let w = world();
        let trip = RecordFacts {
            team: w.team,
            org: w.muni,
        };
        assert!(may_see_trip(
            &viewer(w.muni, Role::Supervisor, &[w.team]),
            &trip
        ));
        assert!(!may_see_trip(
            &viewer(w.region, Role::Supervisor, &[w.team]),
            &trip
        ));
    }

    #[test]
    fn trip_totals_are_for_the_teams_supervisors_rows_for_the_own_organisation() {
        let w = world();
        let region_sup = viewer(w.region, Role::Supervisor, &[w.team]);
        assert!(may_see_trip_totals(&region_sup, w.team));
        assert!(!may_see_trip_totals(&region_sup, w.other_team));
        assert!(!may_see_trip_totals(
            &viewer(w.region, Role::CaseManager, &[w.team]),
            w.team
        ));
        assert!(!may_see_trip_totals(
            &viewer(w.region, Role::Admin, &[w.team]),
            w.team
        ));
        let muni_trip = RecordFacts {
            team: w.team,
            org: w.muni,
        };
        assert!(!may_see_trip(&region_sup, &muni_trip), "no rows across");
    }

    #[test]
    fn writes_stay_in_the_writers_record_space() {
        let w = world();
        let sup = viewer(w.region, Role::Supervisor, &[w.team]);
        let theirs = ClientFacts {
            team: w.team,
            org: w.muni,
            consent_given: true,
        };
        let mine = ClientFacts {
            org: w.region,
            ..theirs
        };
        assert!(may_write_client(&sup, &mine, None));
        assert!(!may_write_client(&sup, &theirs, None));
        assert!(
            !may_write_client(&sup, &mine, Some(&theirs)),
            "no take-over of another space"
        );
        assert!(!may_write_client(
            &viewer(w.region, Role::Admin, &[w.team]),
            &mine,
            None
        ));
    }

    #[test]
    fn audit_and_devices() {
        let w = world();
        let sup = viewer(w.muni, Role::Supervisor, &[w.team]);
        let admin = viewer(w.muni, Role::Admin, &[]);
        assert!(may_see_audit_entry(
            &sup,
            w.region,
            Some(w.muni),
            Some(w.team)
        ));
        assert!(!may_see_audit_entry(
            &sup,
            w.region,
            Some(w.region),
            Some(w.team)
        ));
        assert!(!may_see_audit_entry(
            &sup,
            w.muni,
            Some(w.muni),
            Some(w.other_team)
        ));
        assert!(may_see_audit_entry(&admin, w.muni, None, None));
        assert!(may_manage_device(&admin, w.muni, &[]));
        assert!(!may_manage_device(&admin, w.region, &[w.team]));
        assert!(may_manage_device(&sup, w.muni, &[w.team]));
        assert!(!may_manage_device(&sup, w.muni, &[w.other_team]));
    }
}
