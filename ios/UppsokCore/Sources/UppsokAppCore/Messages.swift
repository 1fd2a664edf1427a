// What the user reads when a core call fails: plain words, Swedish first, never personal data.
// The same wording as Messages.kt on Android.
import Foundation
import UppsokCore

public enum Messages {
    static let svRules: [String: String] = [
        "minutes": "Ange mellan 1 och 1440 minuter.",
        "setting": "Välj var mötet skedde – bara för personliga möten och sökt-ej-anträffad.",
        "staff": "Närvarande ska vara användarnamn, högst 10, utan dubbletter.",
        "place": "Ange ort eller by utan siffror – aldrig en gatuadress.",
        "note": "Anteckningen får vara högst 4 000 tecken; journalen förs i journalsystemet.",
        "code": "Koden ska följa teamets mönster, till exempel K-017, och får inte redan användas.",
        "org": "Klienten tillhör den andra organisationen; bara dess personal kan ändra uppgifterna.",
        "start": "Tiden får inte ligga mer än ett dygn fram eller före år 2000.",
        "km": "Ange 0–2000 km.",
        "odometer_end": "Mätarställningen vid slut får inte vara lägre än vid start.",
        "purpose": "Ange ärende, till exempel Hembesök.",
        "vehicle": "Registreringsnumret ska vara 2–7 bokstäver och siffror, som ABC123.",
        "gps": "För få GPS-positioner; ange sträckan för hand eller från mätarställningen.",
        "trip": "En resa spelas redan in; avsluta eller avbryt den först.",
    ]

    public static func invalid(field: String, rule: String, _ lang: Lang) -> String {
        if lang == .sv, let text = svRules[field] { return text }
        return "\(field): \(rule)"
    }

    public static func of(_ error: Error, _ lang: Lang) -> String {
        let sv = lang == .sv
        guard let e = error as? UppsokError else {
            return sv ? "Något gick fel. Försök igen." : "Something went wrong. Try again."
        }
        switch e {
        case .WrongKey:
            return sv ? "Nyckeln passar inte. Lås upp telefonen och försök igen." : "The key does not fit. Unlock the phone and try again."
        case let .Tampered(what) where what == "device token":
            return sv ? "Telefonens inloggningsnyckel är skadad. Välj Reparera och registrera sedan telefonen igen med en ny kod. Ändringar som väntar finns kvar." : "This phone's sign-in key is damaged. Choose Repair, then enrol the phone again with a new code. Changes waiting stay on the phone."
        case .Tampered:
            return sv ? "Uppgifterna på telefonen är skadade. Kontakta IT-supporten." : "The data on this phone is damaged. Contact IT support."
        case let .Invalid(field, rule):
            return invalid(field: field, rule: rule, lang)
        case .NotFound:
            return sv ? "Posten finns inte längre." : "That record no longer exists."
        case .AlreadyExists:
            return sv ? "Det finns redan data på telefonen." : "There is already data on this phone."
        case .NoStore, .NotEnrolled:
            return sv ? "Telefonen är inte registrerad ännu." : "This phone is not enrolled yet."
        case .KeyProvider:
            return sv ? "Nyckelringen svarar inte. Lås upp telefonen och försök igen." : "The keychain is not available. Unlock the phone and try again."
        case .Network:
            return sv ? "Kunde inte nå servern. Ändringarna sparas och skickas senare." : "Could not reach the server. Your changes are kept and sent later."
        case .Revoked:
            return sv ? "Telefonen har loggats ut av en administratör. Registrera den igen." : "An administrator signed this phone out. Enrol it again."
        case .Wiped:
            return sv ? "Uppgifterna på telefonen har raderats." : "The data on this phone has been wiped."
        case .Outdated:
            return sv ? "Appen behöver uppdateras." : "The app needs to be updated."
        case .Storage:
            return sv ? "Telefonens lagring svarar inte (fullt minne?)." : "The phone's storage failed (is it full?)."
        }
    }
}
