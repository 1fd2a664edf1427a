//! The fidelity indicators as a supervisor reads them: what each measures (in Swedish and
//! English), the DACTS item it follows and the matching TMACT item, its target, and the
//! DACTS-style 1–5 anchors that turn a value into a rating.
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

/// The indicators, in the order the dashboard shows them: the six counted over the period
/// from contacts, then the four counted over a fixed window (12, 6 or 24 months) ending on the
/// period's last day from admissions, closures and staff changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorId {
    Caseload,
    ContactFrequency,
    ContactHours,
    InCommunity,
    TeamApproach,
    NetworkContacts,
    Retention,
    IntakeRate,
    TimeUnlimited,
    StaffContinuity,
}

impl IndicatorId {
    pub const ALL: [IndicatorId; 10] = [
        IndicatorId::Caseload,
        IndicatorId::ContactFrequency,
        IndicatorId::ContactHours,
        IndicatorId::InCommunity,
        IndicatorId::TeamApproach,
        IndicatorId::NetworkContacts,
        IndicatorId::Retention,
        IndicatorId::IntakeRate,
        IndicatorId::TimeUnlimited,
        IndicatorId::StaffContinuity,
    ];

    /// Whether the indicator is counted over a fixed window before the period's end rather
    /// than over the period (and so has no weekly trend).
    pub fn is_program_item(self) -> bool {
        matches!(
            self,
            IndicatorId::Retention
                | IndicatorId::IntakeRate
                | IndicatorId::TimeUnlimited
                | IndicatorId::StaffContinuity
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            IndicatorId::Caseload => "caseload",
            IndicatorId::ContactFrequency => "contact_frequency",
            IndicatorId::ContactHours => "contact_hours",
            IndicatorId::InCommunity => "in_community",
            IndicatorId::TeamApproach => "team_approach",
            IndicatorId::NetworkContacts => "network_contacts",
            IndicatorId::Retention => "retention",
            IndicatorId::IntakeRate => "intake_rate",
            IndicatorId::TimeUnlimited => "time_unlimited",
            IndicatorId::StaffContinuity => "staff_continuity",
        }
    }

    /// The DACTS item the indicator follows (Teague, Bond & Drake 1998): H = human resources,
    /// O = organisational boundaries, S = nature of services.
    pub fn dacts_item(self) -> &'static str {
        match self {
            IndicatorId::Caseload => "H1",
            IndicatorId::TeamApproach => "H2",
            IndicatorId::StaffContinuity => "H5",
            IndicatorId::IntakeRate => "O2",
            IndicatorId::TimeUnlimited => "O7",
            IndicatorId::InCommunity => "S1",
            IndicatorId::Retention => "S2",
            IndicatorId::ContactHours => "S4",
            IndicatorId::ContactFrequency => "S5",
            IndicatorId::NetworkContacts => "S6",
        }
    }

    /// The TMACT item (Monroe-DeVita, Moser & Teague 2013) that covers the same ground, by
    /// name: TMACT is the tool Socialstyrelsen's Swedish fidelity reviews use.
    pub fn tmact_item(self) -> Text {
        let (sv, en) = match self {
            IndicatorId::Caseload => (
                "Låg klient/personal-kvot",
                "Low ratio of consumers to staff",
            ),
            IndicatorId::TeamApproach => ("Teamarbete", "Team approach"),
            IndicatorId::StaffContinuity => {
                ("Kontinuitet i personalgruppen", "Continuity of staffing")
            }
            IndicatorId::IntakeRate => ("Gradvis intagning", "Gradual admission rate"),
            IndicatorId::TimeUnlimited => (
                "Övergång till mindre intensiva insatser",
                "Transition to less intensive services",
            ),
            IndicatorId::InCommunity => ("Insatser i närmiljön", "Community-based services"),
            IndicatorId::Retention => ("Kvarstannande", "Retention rate"),
            IndicatorId::ContactHours => ("Insatsernas intensitet", "Intensity of services"),
            IndicatorId::ContactFrequency => ("Kontaktfrekvens", "Frequency of contact"),
            IndicatorId::NetworkContacts => (
                "Arbete med det informella nätverket",
                "Engagement with the informal support system",
            ),
        };
        Text { sv, en }
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
            IndicatorId::Retention => Text {
                sv: "Andel klienter som stannat kvar (12 månader)",
                en: "Share of clients retained (12 months)",
            },
            IndicatorId::IntakeRate => Text {
                sv: "Högsta antal nya klienter på en månad (6 månader)",
                en: "Highest monthly intake (6 months)",
            },
            IndicatorId::TimeUnlimited => Text {
                sv: "Andel klienter avslutade som färdiga på ett år",
                en: "Share of clients closed as done within a year",
            },
            IndicatorId::StaffContinuity => Text {
                sv: "Personalomsättning (2 år)",
                en: "Staff turnover (2 years)",
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
            IndicatorId::Retention => Text {
                sv: "Under de 12 månaderna fram till periodens sista dag: andel av klienterna i \
                     vård som inte avslutades som avhopp. Avhopp är avslut med orsaken avböjt \
                     fortsatt kontakt, överförd eller annat; målen uppnådda, övergått till annat \
                     stöd, flyttat och avliden räknas inte som avhopp.",
                en: "Over the 12 months up to the period's last day: the share of clients in care \
                     who did not leave as drop-outs. Drop-outs are closures for declined further \
                     contact, transferred or other; goals reached, stepped down, moved and died \
                     are not.",
            },
            IndicatorId::IntakeRate => Text {
                sv: "Antal klienter inskrivna per kalendermånad under de sex månaderna fram till \
                     periodens sista dag; värdet är den högsta månaden. Klienter vars \
                     inskrivningsdatum bara är uppskattat räknas inte.",
                en: "Clients admitted per calendar month over the six months up to the period's \
                     last day; the value is the highest month. Clients whose admission date is \
                     only estimated are not counted.",
            },
            IndicatorId::TimeUnlimited => Text {
                sv: "Under de 12 månaderna fram till periodens sista dag: klienter avslutade med \
                     orsaken målen uppnådda eller övergått till annat stöd, delat med antalet \
                     klienter i vård. ACT är tidsobegränsat: få ska skrivas ut som färdiga varje år.",
                en: "Over the 12 months up to the period's last day: clients closed as goals \
                     reached or stepped down, divided by the clients in care. ACT is \
                     time-unlimited: few should leave as done each year.",
            },
            IndicatorId::StaffContinuity => Text {
                sv: "Medarbetare som lämnat teamet under de 24 månaderna fram till periodens \
                     sista dag, delat med antalet medarbetare i teamet i dag.",
                en: "Staff who left the team in the 24 months up to the period's last day, \
                     divided by the team's current staff.",
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
            IndicatorId::Retention | IndicatorId::TimeUnlimited | IndicatorId::StaffContinuity => {
                Text {
                    sv: "andel (0–1)",
                    en: "share (0–1)",
                }
            }
            IndicatorId::IntakeRate => Text {
                sv: "klienter per månad",
                en: "clients per month",
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
            // DACTS S5: < 1 | 1–2 | 2–3 | 3–4 | ≥ 4 face-to-face contacts per week.
            IndicatorId::ContactFrequency => (Direction::AtLeast, [1.0, 2.0, 3.0, 4.0]),
            // DACTS S4 in minutes: < 15 | 15–49 | 50–84 | 85–119 | ≥ 120 per week, as hours.
            IndicatorId::ContactHours => (
                Direction::AtLeast,
                [15.0 / 60.0, 50.0 / 60.0, 85.0 / 60.0, 2.0],
            ),
            // DACTS S1: < 20 % | 20–39 | 40–59 | 60–79 | ≥ 80 % in the community.
            IndicatorId::InCommunity => (Direction::AtLeast, [0.20, 0.40, 0.60, 0.80]),
            // DACTS H2: < 10 % | 10–36 | 37–63 | 64–89 | ≥ 90 % with > 1 staff in 2 weeks.
            IndicatorId::TeamApproach => (Direction::AtLeast, [0.10, 0.37, 0.64, 0.90]),
            // DACTS S6: < 0.5 | 0.5–1 | 1–2 | 2–4 | ≥ 4 per month; DACTS leaves 3–4 without
            // an anchor, so it is folded into 4.
            IndicatorId::NetworkContacts => (Direction::AtLeast, [0.5, 1.0, 2.0, 4.0]),
            // DACTS S2: < 50 % | 50–64 | 65–79 | 80–94 | ≥ 95 % retained over 12 months.
            IndicatorId::Retention => (Direction::AtLeast, [0.50, 0.65, 0.80, 0.95]),
            // DACTS O2: ≥ 15 | 13–14 | 10–12 | 7–9 | ≤ 6 admissions in the highest month.
            IndicatorId::IntakeRate => (Direction::AtMost, [6.0, 9.0, 12.0, 14.0]),
            // DACTS O7: > 90 % | 38–90 | 18–37 | 5–17 | < 5 % expected to leave as done in a
            // year; read here as those who did.
            IndicatorId::TimeUnlimited => (Direction::AtMost, [0.05, 0.17, 0.37, 0.90]),
            // DACTS H5: > 80 % | 60–80 | 40–59 | 20–39 | < 20 % turnover in two years.
            IndicatorId::StaffContinuity => (Direction::AtMost, [0.20, 0.39, 0.59, 0.80]),
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
    /// Computed from fewer than three clients: not shown, so no one's care can be read off a
    /// team figure (see docs/fidelity.md).
    TooFewClients,
    /// No client has a confirmed admission date in the window.
    NoConfirmedAdmissions,
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
            Missing::TooFewClients => Text {
                sv: "Färre än 3 klienter – visas inte.",
                en: "Fewer than 3 clients – not shown.",
            },
            Missing::NoConfirmedAdmissions => Text {
                sv: "Inga bekräftade inskrivningsdatum.",
                en: "No confirmed admission dates.",
            },
        }
    }
}
