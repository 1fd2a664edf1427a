// Names of the visit form's choices, Swedish first; the same words as Labels.kt on Android.
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
}
