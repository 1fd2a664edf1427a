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
}
