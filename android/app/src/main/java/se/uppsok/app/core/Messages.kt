// Plain Kotlin (no Android imports): compiled and tested on the host JVM by tests/kotlin/run.
package se.uppsok.app.core

import se.uppsok.core.ClientItem
import se.uppsok.core.ClosureReason
import se.uppsok.core.ConsentScope
import se.uppsok.core.Phase
import se.uppsok.core.ConsentState
import se.uppsok.core.Referral
import se.uppsok.core.ContactKind
import se.uppsok.core.KeyProviderException
import se.uppsok.core.UppsokException
import se.uppsok.core.Setting

/** Names of the choices on the forms. */
object Labels {
    fun contact(c: ContactKind, lang: Lang): String = when (c) {
        ContactKind.FACE_TO_FACE -> if (lang == Lang.SV) "Personligt möte" else "Face to face"
        ContactKind.PHONE -> if (lang == Lang.SV) "Telefon" else "Phone"
        ContactKind.VIDEO -> if (lang == Lang.SV) "Video" else "Video"
        ContactKind.MESSAGE -> if (lang == Lang.SV) "Meddelande" else "Message"
        ContactKind.ATTEMPTED -> if (lang == Lang.SV) "Sökt, ej anträffad" else "Attempted, not reached"
    }

    fun setting(s: Setting, lang: Lang): String = when (s) {
        Setting.HOME -> if (lang == Lang.SV) "Hemma" else "Home"
        Setting.COMMUNITY -> if (lang == Lang.SV) "Ute i samhället" else "In the community"
        Setting.OFFICE -> if (lang == Lang.SV) "Mottagningen" else "Office"
        Setting.INPATIENT -> if (lang == Lang.SV) "Avdelning" else "Inpatient ward"
    }

    fun phase(p: Phase, lang: Lang): String = when (p) {
        Phase.INTAKE -> if (lang == Lang.SV) "Inskrivning" else "Intake"
        Phase.ACTIVE -> if (lang == Lang.SV) "Aktiv" else "Active"
        Phase.STABLE -> if (lang == Lang.SV) "Stabil" else "Stable"
        Phase.CLOSED -> if (lang == Lang.SV) "Avslutad" else "Closed"
    }

    /** The model's words for the reasons (`ClosureReason::label`), the dashboard's too. */
    fun closure(r: ClosureReason, lang: Lang): String = when (r) {
        ClosureReason.GOAL_REACHED -> if (lang == Lang.SV) "Målen uppnådda" else "Goals reached"
        ClosureReason.STEPPED_DOWN -> if (lang == Lang.SV) "Övergått till annat stöd" else "Stepped down to other support"
        ClosureReason.MOVED -> if (lang == Lang.SV) "Flyttat från området" else "Moved out of the area"
        ClosureReason.DECLINED -> if (lang == Lang.SV) "Avböjt fortsatt kontakt" else "Declined further contact"
        ClosureReason.DIED -> if (lang == Lang.SV) "Avliden" else "Died"
        ClosureReason.TRANSFERRED -> if (lang == Lang.SV) "Överförd till annan enhet" else "Transferred to another unit"
        ClosureReason.OTHER -> if (lang == Lang.SV) "Annat" else "Other"
    }

    /** The model's words for who referred the client (`Referral::label`). */
    fun referral(r: Referral, lang: Lang): String = when (r) {
        Referral.PSYCHIATRY -> if (lang == Lang.SV) "Psykiatrin" else "Psychiatry"
        Referral.SOCIAL_SERVICES -> if (lang == Lang.SV) "Socialtjänsten" else "Social services"
        Referral.ADDICTION_CARE -> if (lang == Lang.SV) "Beroendevården" else "Addiction care"
        Referral.PRIMARY_CARE -> if (lang == Lang.SV) "Vårdcentralen" else "Primary care"
        Referral.PROBATION -> if (lang == Lang.SV) "Kriminalvården" else "Prison and probation"
        Referral.SELF_REFERRAL -> if (lang == Lang.SV) "Egen ansökan" else "Self-referral"
        Referral.RELATIVE -> if (lang == Lang.SV) "Anhörig" else "Relative"
        Referral.OTHER -> if (lang == Lang.SV) "Annan" else "Other"
    }

    fun consentScope(s: ConsentScope, lang: Lang): String = when (s) {
        ConsentScope.CONTACTS -> if (lang == Lang.SV) "Kontakter" else "Contacts"
        ConsentScope.CONTACTS_AND_OUTCOMES -> if (lang == Lang.SV) "Kontakter och utfall" else "Contacts and outcomes"
    }

    /** The two switches of the visit form. */
    fun clientAbsent(lang: Lang): String =
        if (lang == Lang.SV) "Klienten var inte med (nätverkskontakt)" else "The client was not there (network contact)"

    fun groupContact(lang: Lang): String = if (lang == Lang.SV) "Gruppkontakt" else "Group contact"

    /**
     * A client in a list: code and name, or the code alone for a protected identity (the name
     * shows only on the client's own page).
     */
    fun client(c: ClientItem, lang: Lang): String =
        if (c.protectedIdentity) "${c.code} (${if (lang == Lang.SV) "skyddad" else "protected"})" else "${c.code} · ${c.name}"

    fun consent(c: ConsentState, lang: Lang): String = when (c) {
        ConsentState.NOT_RECORDED -> if (lang == Lang.SV) "Inget samtycke registrerat" else "No consent recorded"
        ConsentState.GIVEN -> if (lang == Lang.SV) "Samtycke lämnat" else "Consent given"
        ConsentState.WITHDRAWN -> if (lang == Lang.SV) "Samtycke återkallat" else "Consent withdrawn"
    }

    /** A form field by the model's field name (what `Invalid.field` carries). */
    fun field(field: String, lang: Lang): String {
        val sv = mapOf(
            "minutes" to "Minuter", "start" to "Tid", "end" to "Sluttid", "setting" to "Plats för mötet",
            "staff" to "Närvarande", "place" to "Ort", "note" to "Anteckning", "client" to "Klient",
            "code" to "Kod", "name" to "Namn", "closed_reason" to "Skäl till avslut",
            "consent.date" to "Datum för samtycke", "next_contact" to "Nästa planerade kontakt",
            "km" to "Kilometer", "odometer_start" to "Mätarställning start", "odometer_end" to "Mätarställning slut",
            "purpose" to "Ärende", "vehicle" to "Bil", "visited" to "Besökt", "gps" to "GPS",
            "username" to "Användarnamn", "server_url" to "Serveradress", "trip" to "Resa", "address" to "Adress",
            "admitted" to "Inskrivningsdatum", "referral" to "Remittent", "contact_person" to "Kontaktperson",
            "deputy" to "Ersättare", "closure" to "Avslutsorsak", "closed_on" to "Avslutsdatum",
            "consent.until" to "Samtycket gäller till", "client_present" to "Klienten var med", "network" to "Nätverket",
            "kind" to "Typ av utfall", "day" to "Dag", "source" to "Källa", "care" to "Vårdform",
            "discharged" to "Utskriven", "compulsory" to "Tvångsvård", "housing" to "Boende",
            "occupation" to "Sysselsättning", "respondent" to "Svarande", "answers" to "Svar", "author" to "Registrerad av",
        )
        val en = mapOf(
            "minutes" to "Minutes", "start" to "Time", "end" to "End time", "setting" to "Setting",
            "staff" to "Staff present", "place" to "Place", "note" to "Note", "client" to "Client",
            "code" to "Code", "name" to "Name", "closed_reason" to "Reason for closing",
            "consent.date" to "Date of consent", "next_contact" to "Next planned contact",
            "km" to "Kilometres", "odometer_start" to "Odometer at start", "odometer_end" to "Odometer at end",
            "purpose" to "Errand", "vehicle" to "Car", "visited" to "Visited", "gps" to "GPS",
            "username" to "Username", "server_url" to "Server address", "trip" to "Trip", "address" to "Address",
            "admitted" to "Admission date", "referral" to "Referred by", "contact_person" to "Contact person",
            "deputy" to "Deputy", "closure" to "Reason for closing", "closed_on" to "Last day in care",
            "consent.until" to "Consent holds until", "client_present" to "Client present", "network" to "Network",
            "kind" to "Kind of outcome", "day" to "Day", "source" to "Source", "care" to "Kind of care",
            "discharged" to "Discharged", "compulsory" to "Compulsory care", "housing" to "Housing",
            "occupation" to "Occupation", "respondent" to "Respondent", "answers" to "Answers", "author" to "Recorded by",
        )
        return (if (lang == Lang.SV) sv else en)[field] ?: field
    }
}

/**
 * What the user reads when a core call fails: plain words, Swedish first, never personal data
 * (the exceptions carry none, and nothing here adds any).
 */
object Messages {
    /** Swedish sentences for the validation rules people meet most, by field. */
    internal val svRules = mapOf(
        "minutes" to "Ange mellan 1 och 1440 minuter.",
        "setting" to "Välj var mötet skedde (hemma, ute i samhället, mottagningen eller avdelning) – bara för personliga möten och sökt-ej-anträffad.",
        "staff" to "Närvarande ska vara användarnamn, högst 10, utan dubbletter.",
        "place" to "Ange ort eller by utan siffror – aldrig en gatuadress.",
        "note" to "Anteckningen får vara högst 4 000 tecken; journalen förs i journalsystemet.",
        "code" to "Koden ska följa teamets mönster, till exempel K-017, och får inte redan användas.",
        "start" to "Tiden får inte ligga mer än ett dygn fram eller före år 2000.",
        "km" to "Ange 0–2000 km.",
        "odometer_end" to "Mätarställningen vid slut får inte vara lägre än vid start.",
        "closed_reason" to "Beskriv skälet när avslutsorsaken är Annat (och bara när klienten avslutas).",
        "closure" to "Välj avslutsorsak när klienten avslutas (och bara då).",
        "closed_on" to "Avslutsdatum får inte ligga i framtiden eller före inskrivningsdatum.",
        "admitted" to "Ange inskrivningsdatum, inte i framtiden och inte före år 2000.",
        "deputy" to "Ersättaren ska vara en annan än kontaktpersonen, och det behövs en kontaktperson.",
        "contact_person" to "Kontaktpersonen ska vara någon i teamet.",
        "consent.until" to "Slutdatum gäller bara lämnat samtycke och får inte ligga före samtyckets datum.",
        "client_present" to "Ett sökt-ej-anträffad gäller klienten; en kontakt med bara nätverket loggas som kontakt.",
        "network" to "En kontakt utan klienten är en nätverkskontakt: markera att nätverket deltog.",
        "consent.date" to "Ange datum för samtycket.",
        "purpose" to "Ange ärende, till exempel Hembesök.",
        "vehicle" to "Registreringsnumret ska vara 2–7 bokstäver och siffror, som ABC123.",
        "gps" to "För få GPS-positioner; ange sträckan för hand eller från mätarställningen.",
        "distance" to "Ingen sträcka kan föreslås mellan de här platserna; skriv in km.",
        "distance_source" to "Bara en föreslagen sträcka bekräftas; den här resans km är uppmätta eller inskrivna.",
        "trip" to "En resa spelas redan in; avsluta eller avbryt den först.",
        "org" to "Klienten tillhör den andra organisationen; bara dess personal kan ändra uppgifterna.",
        "kind" to "Välj vad som hänt: slutenvård, akutbesök, boende, sysselsättning eller nöjdhet.",
        "day" to "Ange dagen som ÅÅÅÅ-MM-DD, inte i framtiden och inte före 1990.",
        "care" to "Välj psykiatrisk slutenvård eller beroendevård.",
        "discharged" to "Utskrivningsdagen får inte ligga före inskrivningen eller i framtiden; lämna tomt om klienten är kvar.",
        "housing" to "Välj hur klienten bor.",
        "occupation" to "Välj vad klienten gör om dagarna.",
        "respondent" to "Välj vem som svarade: klienten eller en närstående.",
        "answers" to "Svara på minst en fråga, 1–5; de andra kan hoppas över.",
        "author" to "Bara den som registrerade utfallet kan ändra eller ta bort det.",
    )

    fun invalid(field: String, rule: String, lang: Lang): String =
        if (lang == Lang.SV) svRules[field] ?: "${Labels.field(field, lang)}: $rule"
        else "${Labels.field(field, lang)}: $rule"

    fun of(e: Throwable, lang: Lang): String {
        val sv = lang == Lang.SV
        return when (e) {
            is UppsokException.WrongKey ->
                if (sv) "Nyckeln passar inte. Lås upp telefonen och försök igen." else "The key does not fit. Unlock the phone and try again."
            is UppsokException.Tampered ->
                if (e.what == "device token") {
                    if (sv) "Telefonens inloggningsnyckel är skadad. Välj Reparera och registrera sedan telefonen igen med en ny kod. Ändringar som väntar finns kvar." else "This phone's sign-in key is damaged. Choose Repair, then enrol the phone again with a new code. Changes waiting stay on the phone."
                } else {
                    if (sv) "Uppgifterna på telefonen är skadade och kan inte läsas. Kontakta IT-supporten." else "The data on this phone is damaged and cannot be read. Contact IT support."
                }
            is UppsokException.Invalid -> invalid(e.field, e.rule, lang)
            is UppsokException.NotFound ->
                if (sv) "Posten finns inte längre." else "That record no longer exists."
            is UppsokException.AlreadyExists ->
                if (sv) "Det finns redan data på telefonen." else "There is already data on this phone."
            is UppsokException.NoStore ->
                if (sv) "Telefonen är inte registrerad ännu." else "This phone is not set up yet."
            is UppsokException.KeyProvider ->
                if (sv) "Telefonens nyckellager svarar inte. Lås upp telefonen och försök igen." else "The phone's keystore is not available. Unlock the phone and try again."
            is UppsokException.Network ->
                if (sv) "Kunde inte nå servern. Ändringarna sparas och skickas senare." else "Could not reach the server. Your changes are kept and sent later."
            is UppsokException.NotEnrolled ->
                if (sv) "Telefonen är inte registrerad hos servern ännu." else "This phone is not enrolled with the server yet."
            is UppsokException.Revoked ->
                if (sv) "Telefonen har loggats ut av en administratör. Registrera den igen." else "An administrator signed this phone out. Enrol it again."
            is UppsokException.Wiped ->
                if (sv) "Uppgifterna på telefonen har raderats." else "The data on this phone has been wiped."
            is UppsokException.Outdated ->
                if (sv) "Appen behöver uppdateras." else "The app needs to be updated."
            is UppsokException.Storage ->
                if (sv) "Telefonens lagring svarar inte (fullt minne?)." else "The phone's storage failed (is it full?)."
            is KeyProviderException ->
                if (sv) "Telefonens nyckellager svarar inte." else "The phone's keystore is not available."
            else -> if (sv) "Något gick fel. Försök igen." else "Something went wrong. Try again."
        }
    }
}
