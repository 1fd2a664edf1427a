//! The six fidelity indicators as a supervisor reads them: what each measures (in Swedish and
//! English), its target, and the DACTS-style 1–5 anchors that turn a value into a rating.
//!
//! The anchors are kept as four cut points per indicator so one function rates every indicator
//! the same way and the dashboard can print the bands without a second copy of the numbers.

use serde::Serialize;
use std::fmt;

/// A text in both of the dashboard's languages (Swedish first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Text {
    pub sv: &'static str,
    pub en: &'static str,
}

/// The dashboard's languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Sv,
    En,
}

impl Text {
    pub fn get(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Sv => self.sv,
            Lang::En => self.en,
        }
    }
}

/// A DACTS-style rating: 1 = not implemented … 5 = meets the ACT target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Rating(u8);

impl Rating {
    pub const MIN: Rating = Rating(1);
    pub const MAX: Rating = Rating(5);

    /// `None` outside 1..=5, so a `Rating` is always on the scale.
    pub fn new(r: u8) -> Option<Rating> {
        (1..=5).contains(&r).then_some(Rating(r))
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl fmt::Display for Rating {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Which way an indicator improves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Rating 5 at or above the target (contacts, hours, shares).
    AtLeast,
    /// Rating 5 at or below the target (caseload).
    AtMost,
}

/// The four cut points between ratings 1|2, 2|3, 3|4 and 4|5, in the indicator's unit.
///
/// `AtLeast`: rating = 1 + the number of cuts the value reaches (`value >= cut`).
/// `AtMost`: rating = 5 − the number of cuts the value exceeds (`value > cut`); the cuts are
/// then given from best to worst (10, 20, 34, 49 for the caseload).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Anchors {
    pub direction: Direction,
    pub cuts: [f64; 4],
}

impl Anchors {
    /// The rating of a value; `None` for NaN or infinity, which no count produces but a caller
    /// might pass.
    pub fn rate(&self, value: f64) -> Option<Rating> {
        if !value.is_finite() {
            return None;
        }
        let r = match self.direction {
            Direction::AtLeast => 1 + self.cuts.iter().filter(|&&c| value >= c).count(),
            Direction::AtMost => 5 - self.cuts.iter().filter(|&&c| value > c).count(),
        };
        // At most four cuts are counted, so `r` is in 1..=5.
        Rating::new(r as u8)
    }

    /// The band of each rating 1..=5 as (lower, upper) in the indicator's unit, for printing the
    /// anchors: `AtLeast` bands are `lower <= v < upper`, `AtMost` bands `lower < v <= upper`;
    /// `None` is an open end.
    pub fn bands(&self) -> [(Option<f64>, Option<f64>); 5] {
        let c = self.cuts;
        match self.direction {
            Direction::AtLeast => [
                (None, Some(c[0])),
                (Some(c[0]), Some(c[1])),
                (Some(c[1]), Some(c[2])),
                (Some(c[2]), Some(c[3])),
                (Some(c[3]), None),
            ],
            Direction::AtMost => [
                (Some(c[3]), None),
                (Some(c[2]), Some(c[3])),
                (Some(c[1]), Some(c[2])),
                (Some(c[0]), Some(c[1])),
                (None, Some(c[0])),
            ],
        }
    }
}

/// Days in a month for the network indicator: the mean Gregorian month, so a month is the same
/// length whatever the period.
pub const DAYS_PER_MONTH: f64 = 365.25 / 12.0;

/// The six indicators, in the order the dashboard shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorId {
    Caseload,
    ContactFrequency,
    ContactHours,
    InCommunity,
    TeamApproach,
    NetworkContacts,
}

impl IndicatorId {
    pub const ALL: [IndicatorId; 6] = [
        IndicatorId::Caseload,
        IndicatorId::ContactFrequency,
        IndicatorId::ContactHours,
        IndicatorId::InCommunity,
        IndicatorId::TeamApproach,
        IndicatorId::NetworkContacts,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            IndicatorId::Caseload => "caseload",
            IndicatorId::ContactFrequency => "contact_frequency",
            IndicatorId::ContactHours => "contact_hours",
            IndicatorId::InCommunity => "in_community",
            IndicatorId::TeamApproach => "team_approach",
            IndicatorId::NetworkContacts => "network_contacts",
        }
    }

    /// The DACTS item the indicator follows (Teague, Bond & Drake 1998).
    pub fn dacts_item(self) -> &'static str {
        match self {
            IndicatorId::Caseload => "H1",
            IndicatorId::TeamApproach => "H2",
            IndicatorId::InCommunity => "S1",
            IndicatorId::ContactHours => "S5",
            IndicatorId::ContactFrequency => "S6",
            IndicatorId::NetworkContacts => "S7",
        }
    }

    pub fn label(self) -> Text {
        match self {
            IndicatorId::Caseload => Text {
                sv: "Klienter per medarbetare",
                en: "Clients per staff member",
            },
            IndicatorId::ContactFrequency => Text {
                sv: "Kontakter per klient och vecka",
                en: "Contacts per client per week",
            },
            IndicatorId::ContactHours => Text {
                sv: "Timmar per klient och vecka",
                en: "Hours per client per week",
            },
            IndicatorId::InCommunity => Text {
                sv: "Andel möten ute i samhället",
                en: "Share of meetings in the community",
            },
            IndicatorId::TeamApproach => Text {
                sv: "Andel klienter som träffat fler än en medarbetare på 2 veckor",
                en: "Share of clients who met more than one staff member in 2 weeks",
            },
            IndicatorId::NetworkContacts => Text {
                sv: "Nätverkskontakter per klient och månad",
                en: "Network contacts per client per month",
            },
        }
    }

    /// What is counted, precisely enough to recount it by hand.
    pub fn definition(self) -> Text {
        match self {
            IndicatorId::Caseload => Text {
                sv: "Antal klienter i teamets vård periodens sista dag, delat med antalet \
                     medarbetare i teamet. Avslutade klienter räknas inte.",
                en: "Clients in the team's care on the last day of the period, divided by the \
                     number of staff on the team. Closed clients are not counted.",
            },
            IndicatorId::ContactFrequency => Text {
                sv: "Antal fysiska möten (personligt möte där klienten nåddes) delat med antalet \
                     klientveckor i vård under perioden. Ett besök med två medarbetare är ett \
                     möte. Telefon, video, meddelanden och misslyckade försök räknas inte.",
                en: "Face-to-face contacts (the client was met in person) divided by the client \
                     weeks in care during the period. A visit by two staff is one contact. \
                     Phone, video, messages and failed attempts do not count.",
            },
            IndicatorId::ContactHours => Text {
                sv: "Summan av de fysiska mötenas längd i timmar delat med antalet klientveckor \
                     i vård. Ett besök med två medarbetare räknas en gång (klientens tid, inte \
                     personalens).",
                en: "Total length of the face-to-face contacts in hours divided by the client \
                     weeks in care. A visit by two staff counts once (the client's time, not \
                     staff time).",
            },
            IndicatorId::InCommunity => Text {
                sv: "Andel av de fysiska mötena som skedde i hemmet eller ute i samhället, inte \
                     på kontoret eller på vårdavdelning.",
                en: "Share of face-to-face contacts that took place at home or elsewhere in the \
                     community, not at the office or on a ward.",
            },
            IndicatorId::TeamApproach => Text {
                sv: "Perioden delas i hela tvåveckorsfönster räknat bakåt från sista dagen. I \
                     varje fönster räknas de klienter som var i vård hela fönstret; en klient \
                     räknas med om minst två olika medarbetare haft fysiskt möte med klienten \
                     i fönstret (båda på ett gemensamt besök räcker). Värdet är medel av \
                     fönstrens andelar.",
                en: "The period is split into whole two-week windows counted back from its last \
                     day. In each window, among clients in care for the whole window, a client \
                     counts when at least two different staff met the client face to face in \
                     it (both on one joint visit is enough). The value is the mean of the \
                     windows' shares.",
            },
            IndicatorId::NetworkContacts => Text {
                sv: "Kontakter där familj eller nätverk deltog (alla kontaktsätt där någon \
                     nåddes, inte misslyckade försök) delat med antalet klientmånader i vård \
                     (en månad = 30,44 dagar).",
                en: "Contacts in which family or network took part (any kind that reached \
                     someone, not failed attempts) divided by the client months in care (a \
                     month = 30.44 days).",
            },
        }
    }

    pub fn unit(self) -> Text {
        match self {
            IndicatorId::Caseload => Text {
                sv: "klienter per medarbetare",
                en: "clients per staff member",
            },
            IndicatorId::ContactFrequency => Text {
                sv: "möten per klient och vecka",
                en: "contacts per client per week",
            },
            IndicatorId::ContactHours => Text {
                sv: "timmar per klient och vecka",
                en: "hours per client per week",
            },
            IndicatorId::InCommunity | IndicatorId::TeamApproach => Text {
                sv: "andel (0–1)",
                en: "share (0–1)",
            },
            IndicatorId::NetworkContacts => Text {
                sv: "kontakter per klient och månad",
                en: "contacts per client per month",
            },
        }
    }

    /// The ACT target: the value where the rating becomes 5.
    pub fn target(self) -> f64 {
        self.anchors().cuts[match self.anchors().direction {
            Direction::AtLeast => 3,
            Direction::AtMost => 0,
        }]
    }

    /// The 1–5 anchors; see the README section for the source of each.
    pub fn anchors(self) -> Anchors {
        let (direction, cuts) = match self {
            // DACTS H1: ≥ 50 | 35–49 | 21–34 | 11–20 | ≤ 10 clients per staff member.
            IndicatorId::Caseload => (Direction::AtMost, [10.0, 20.0, 34.0, 49.0]),
            // DACTS S6: < 1 | 1–2 | 2–3 | 3–4 | ≥ 4 face-to-face contacts per week.
            IndicatorId::ContactFrequency => (Direction::AtLeast, [1.0, 2.0, 3.0, 4.0]),
            // DACTS S5 in minutes: < 15 | 15–49 | 50–84 | 85–119 | ≥ 120 per week, as hours.
            IndicatorId::ContactHours => (
                Direction::AtLeast,
                [15.0 / 60.0, 50.0 / 60.0, 85.0 / 60.0, 2.0],
            ),
            // DACTS S1: < 20 % | 20–39 | 40–59 | 60–79 | ≥ 80 % in the community.
            IndicatorId::InCommunity => (Direction::AtLeast, [0.20, 0.40, 0.60, 0.80]),
            // DACTS H2: < 10 % | 10–36 | 37–63 | 64–89 | ≥ 90 % with > 1 staff in 2 weeks.
            IndicatorId::TeamApproach => (Direction::AtLeast, [0.10, 0.37, 0.64, 0.90]),
            // DACTS S7: < 0.5 | 0.5–1 | 1–2 | 2–4 | ≥ 4 per month; DACTS leaves 3–4 without
            // an anchor, so it is folded into 4.
            IndicatorId::NetworkContacts => (Direction::AtLeast, [0.5, 1.0, 2.0, 4.0]),
        };
        Anchors { direction, cuts }
    }
}

impl fmt::Display for IndicatorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an indicator has no value, so the dashboard can say so instead of showing 0 or NaN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Missing {
    /// The period ends before it starts.
    EmptyPeriod,
    /// No staff listed for the team.
    NoStaff,
    /// No client was in care on any day of the period (or of the window).
    NoClientsInCare,
    /// No face-to-face contact to take a share of.
    NoFaceToFaceContacts,
    /// The period holds no whole two-week window.
    PeriodShorterThanTwoWeeks,
}

impl Missing {
    pub fn text(self) -> Text {
        match self {
            Missing::EmptyPeriod => Text {
                sv: "Perioden är tom.",
                en: "The period is empty.",
            },
            Missing::NoStaff => Text {
                sv: "Teamet har inga medarbetare.",
                en: "The team has no staff.",
            },
            Missing::NoClientsInCare => Text {
                sv: "Inga klienter i vård under perioden.",
                en: "No clients in care during the period.",
            },
            Missing::NoFaceToFaceContacts => Text {
                sv: "Inga fysiska möten under perioden.",
                en: "No face-to-face contacts during the period.",
            },
            Missing::PeriodShorterThanTwoWeeks => Text {
                sv: "Perioden är kortare än två veckor.",
                en: "The period is shorter than two weeks.",
            },
        }
    }
}
