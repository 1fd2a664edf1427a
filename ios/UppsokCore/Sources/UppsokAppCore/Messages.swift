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
        "distance": "Ingen sträcka kan föreslås mellan de här platserna; skriv in km.",
        "distance_source": "Bara en föreslagen sträcka bekräftas; den här resans km är uppmätta eller inskrivna.",
        "trip": "En resa spelas redan in; avsluta eller avbryt den först.",
        "closed_reason": "Beskriv skälet när avslutsorsaken är Annat (och bara när klienten avslutas).",
        "closure": "Välj avslutsorsak när klienten avslutas (och bara då).",
        "closed_on": "Avslutsdatum får inte ligga i framtiden eller före inskrivningsdatum.",
        "admitted": "Ange inskrivningsdatum, inte i framtiden och inte före år 2000.",
        "deputy": "Ersättaren ska vara en annan än kontaktpersonen, och det behövs en kontaktperson.",
        "contact_person": "Kontaktpersonen ska vara någon i teamet.",
        "consent.until": "Slutdatum gäller bara lämnat samtycke och får inte ligga före samtyckets datum.",
        "client_present": "Ett sökt-ej-anträffad gäller klienten; en kontakt med bara nätverket loggas som kontakt.",
        "network": "En kontakt utan klienten är en nätverkskontakt: markera att nätverket deltog.",
        "kind": "Välj vad som hänt: slutenvård, akutbesök, boende, sysselsättning eller nöjdhet.",
        "day": "Ange dagen som ÅÅÅÅ-MM-DD, inte i framtiden och inte före 1990.",
        "care": "Välj psykiatrisk slutenvård eller beroendevård.",
        "discharged": "Utskrivningsdagen får inte ligga före inskrivningen eller i framtiden; lämna tomt om klienten är kvar.",
        "housing": "Välj hur klienten bor.",
        "occupation": "Välj vad klienten gör om dagarna.",
        "respondent": "Välj vem som svarade: klienten eller en närstående.",
        "answers": "Svara på minst en fråga, 1–5; de andra kan hoppas över.",
        "author": "Bara den som registrerade utfallet kan ändra eller ta bort det.",
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

extension Messages {
    /// The sync screen's error line: the core's last error is English for the logs, so the
    /// screen says it in its own words (a signed-out phone says so). The same as SyncStatusView.kt.
    public static func syncError(_ s: SyncStatus, _ lang: Lang) -> String? {
        if s.revoked { return GateNotice.reenrol.text(lang) }
        guard s.lastError != nil else { return nil }
        return lang == .sv
            ? "Senaste synkningen misslyckades. Ändringarna finns kvar på telefonen och skickas vid nästa försök."
            : "The last sync failed. Your changes stay on the phone and are sent at the next attempt."
    }

    /// Why the server refused a change, by its code; in Swedish the server's English reason is
    /// not shown (only the field it names is used).
    public static func rejectReason(code: String, reason: String, _ lang: Lang) -> String {
        if lang == .en { return reason }
        switch code {
        case "invalid_record":
            let field = reason.split(separator: ":").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            return svRules[field] ?? "uppgifterna följer inte en regel. Rätta posten och försök igen, eller ta bort ändringen."
        case "forbidden": return "du får inte ändra posten (den tillhör en annan användare eller ett annat team). Ta bort ändringen."
        case "unknown_reference": return "posten hänvisar till något som servern inte känner till eller som inte delas med dig."
        case "mismatched_id": return "ändringen är felaktig och kan bara tas bort."
        default: return "servern godtog inte ändringen."
        }
    }
}

/// The start screen's lists: planned contacts due today or missed (not met yet: no contact
/// since the day before the plan), and clients not reached for more than 14 days.
public enum TodayPlan {
    public static func planned(_ clients: [ClientItem], today: String) -> [ClientItem] {
        clients.filter { c in
            guard c.phase != .closed, let next = c.nextContact, next <= today else { return false }
            return !Reminders.met(c, planned: next)
        }.sorted { ($0.nextContact ?? "", $0.code) < ($1.nextContact ?? "", $1.code) }
    }

    public static func overdue(_ clients: [ClientItem], today: String) -> [ClientItem] {
        let planned = Set(self.planned(clients, today: today).map(\.id))
        return clients.filter { $0.phase != .closed && ($0.daysSinceContact ?? Int64.max) > 14 && !planned.contains($0.id) }
            .sorted { ($0.daysSinceContact ?? Int64.max) > ($1.daysSinceContact ?? Int64.max) }
    }
}
