// Names of the forms' choices (contact, setting, phase, consent), Swedish first; the same words as Labels.kt on Android.
import UppsokCore

public enum Labels {
    public static func contact(_ c: ContactKind, _ lang: Lang) -> String {
        switch c {
        case .faceToFace: return lang == .sv ? "Personligt möte" : "Face to face"
        case .phone: return lang == .sv ? "Telefon" : "Phone"
        case .video: return "Video"
        case .message: return lang == .sv ? "Meddelande" : "Message"
        case .attempted: return lang == .sv ? "Sökt, ej anträffad" : "Attempted, not reached"
        }
    }

    public static func setting(_ s: Setting, _ lang: Lang) -> String {
        switch s {
        case .home: return lang == .sv ? "Hemma" : "Home"
        case .community: return lang == .sv ? "Ute i samhället" : "In the community"
        case .office: return lang == .sv ? "Mottagningen" : "Office"
        case .inpatient: return lang == .sv ? "Avdelning" : "Inpatient ward"
        }
    }

    public static func phase(_ p: Phase, _ lang: Lang) -> String {
        switch p {
        case .intake: return lang == .sv ? "Inskrivning" : "Intake"
        case .active: return lang == .sv ? "Aktiv" : "Active"
        case .stable: return lang == .sv ? "Stabil" : "Stable"
        case .closed: return lang == .sv ? "Avslutad" : "Closed"
        }
    }

    public static func consent(_ c: ConsentState, _ lang: Lang) -> String {
        switch c {
        case .notRecorded: return lang == .sv ? "Inget samtycke registrerat" : "No consent recorded"
        case .given: return lang == .sv ? "Samtycke lämnat" : "Consent given"
        case .withdrawn: return lang == .sv ? "Samtycke återkallat" : "Consent withdrawn"
        }
    }

    /// The model's words for the reasons (`ClosureReason::label`), the dashboard's too.
    public static func closure(_ r: ClosureReason, _ lang: Lang) -> String {
        switch r {
        case .goalReached: return lang == .sv ? "Målen uppnådda" : "Goals reached"
        case .steppedDown: return lang == .sv ? "Övergått till annat stöd" : "Stepped down to other support"
        case .moved: return lang == .sv ? "Flyttat från området" : "Moved out of the area"
        case .declined: return lang == .sv ? "Avböjt fortsatt kontakt" : "Declined further contact"
        case .died: return lang == .sv ? "Avliden" : "Died"
        case .transferred: return lang == .sv ? "Överförd till annan enhet" : "Transferred to another unit"
        case .other: return lang == .sv ? "Annat" : "Other"
        }
    }

    /// The model's words for who referred the client (`Referral::label`).
    public static func referral(_ r: Referral, _ lang: Lang) -> String {
        switch r {
        case .psychiatry: return lang == .sv ? "Psykiatrin" : "Psychiatry"
        case .socialServices: return lang == .sv ? "Socialtjänsten" : "Social services"
        case .addictionCare: return lang == .sv ? "Beroendevården" : "Addiction care"
        case .primaryCare: return lang == .sv ? "Vårdcentralen" : "Primary care"
        case .probation: return lang == .sv ? "Kriminalvården" : "Prison and probation"
        case .selfReferral: return lang == .sv ? "Egen ansökan" : "Self-referral"
        case .relative: return lang == .sv ? "Anhörig" : "Relative"
        case .other: return lang == .sv ? "Annan" : "Other"
        }
    }

    public static func consentScope(_ s: ConsentScope, _ lang: Lang) -> String {
        switch s {
        case .contacts: return lang == .sv ? "Kontakter" : "Contacts"
        case .contactsAndOutcomes: return lang == .sv ? "Kontakter och utfall" : "Contacts and outcomes"
        }
    }

    /// The two switches of the visit form.
    public static func clientAbsent(_ lang: Lang) -> String {
        lang == .sv ? "Klienten var inte med (nätverkskontakt)" : "The client was not there (network contact)"
    }

    public static func groupContact(_ lang: Lang) -> String { lang == .sv ? "Gruppkontakt" : "Group contact" }

    /// A client in a list: code and name, or the code alone for a protected identity.
    public static func client(_ c: ClientItem, _ lang: Lang) -> String {
        c.protectedIdentity ? "\(c.code) (\(lang == .sv ? "skyddad" : "protected"))" : "\(c.code) · \(c.name)"
    }
}
