// Plain Kotlin (no Android imports): compiled and tested on the host JVM by tests/kotlin/run.
package se.uppsok.app.core

import se.uppsok.core.ClientInput
import se.uppsok.core.ClientItem
import se.uppsok.core.ClosureReason
import se.uppsok.core.ConsentScope
import se.uppsok.core.ConsentState
import se.uppsok.core.Phase
import se.uppsok.core.Referral
import se.uppsok.core.clientEditInput
import java.time.LocalDate

/**
 * The client form: a new client, or an edit that starts from the client as the phone holds it
 * ([ClientForm.edit], through the core's `clientEditInput`), so every field the form does not
 * show (a contact person set on the dashboard, the consent's recorder) is saved as it was and
 * only what the user changed counts as changed. The admission date is today for a new client;
 * an old client without one shows the phone's estimate, flagged "uppskattat", until the user
 * confirms it or picks another date and saves: a save of something else leaves it unrecorded,
 * so an edit of the next contact never writes a guess over a date set elsewhere. The same rules
 * on iOS (UppsokAppCore `ClientForm`).
 */
data class ClientForm(
    val input: ClientInput,
    /** The admission date shown is the phone's estimate, not a recorded one. */
    val admissionEstimated: Boolean = false,
) {
    companion object {
        /** A new client, admitted [today]. */
        fun new(today: LocalDate): ClientForm = ClientForm(
            ClientInput(
                id = null, code = "", name = "", phase = Phase.INTAKE, closure = null, closedOn = null,
                closedReason = null, nextContact = null, consent = ConsentState.NOT_RECORDED, consentDate = null,
                consentScope = ConsentScope.CONTACTS, consentUntil = null, admitted = today.toString(),
                referral = null, contactPerson = null, deputy = null, protectedIdentity = false,
            ),
        )

        /** Editing [client]: every field as stored; an estimated admission shown as one. */
        fun edit(client: ClientItem): ClientForm =
            ClientForm(clientEditInput(client).copy(admitted = client.admission), client.admissionEstimated)

        /** What the protected-identity switch says before it is turned on. */
        fun protectedWarning(lang: Lang): String = if (lang == Lang.SV) {
            "Skyddade personuppgifter: namnet och orterna visas bara på klientens egen sida, aldrig i listor, exporter eller körjournalen. Skriv aldrig var klienten bor i anteckningar."
        } else {
            "Protected identity: the name and places show only on the client's own page, never in lists, exports or the mileage log. Never write where the client lives in notes."
        }
    }

    /** "uppskattat" beside an estimated admission date; null once it is a recorded one. */
    fun admissionFlag(lang: Lang): String? =
        if (admissionEstimated) (if (lang == Lang.SV) "uppskattat" else "estimated") else null

    /** The user typed or picked an admission date: it is theirs now, not an estimate. */
    fun withAdmitted(date: String): ClientForm = copy(input = input.copy(admitted = date.trim()), admissionEstimated = false)

    /** The user confirms the estimate ("Stämmer"): saved as the admission date. */
    fun confirmAdmission(): ClientForm = copy(admissionEstimated = false)

    /** Closing asks for the reason and sets the last day to [today]; reopening drops them. */
    fun withPhase(phase: Phase, today: LocalDate): ClientForm = copy(
        input = when {
            phase == Phase.CLOSED && input.phase != Phase.CLOSED -> input.copy(phase = phase, closedOn = input.closedOn ?: today.toString())
            phase != Phase.CLOSED -> input.copy(phase = phase, closure = null, closedOn = null, closedReason = null)
            else -> input.copy(phase = phase)
        },
    )

    fun withClosure(reason: ClosureReason): ClientForm = copy(input = input.copy(closure = reason))

    /** A contact person who was the deputy stops being the deputy (they must differ). */
    fun withContactPerson(username: String?): ClientForm = copy(
        input = input.copy(contactPerson = username, deputy = input.deputy.takeIf { it != username }),
    )

    fun withDeputy(username: String?): ClientForm = copy(input = input.copy(deputy = username))

    /** A consent given or withdrawn [today]; its scope and end start over with a new state. */
    fun withConsent(state: ConsentState, today: LocalDate): ClientForm = copy(
        input = if (state == input.consent) input else input.copy(
            consent = state,
            consentDate = if (state == ConsentState.NOT_RECORDED) null else today.toString(),
            consentScope = ConsentScope.CONTACTS,
            consentUntil = null,
        ),
    )

    private fun day(text: String?): LocalDate? = text?.let { runCatching { LocalDate.parse(it.trim()) }.getOrNull() }

    /** The instant checks; the core checks the same rules again (and is the one that counts). */
    fun problems(lang: Lang, today: LocalDate = LocalDate.now()): List<FieldProblem> {
        val out = mutableListOf<FieldProblem>()
        fun add(field: String) = out.add(FieldProblem(field, Messages.invalid(field, "", lang)))
        if (input.code.isBlank()) add("code")
        if (input.name.isBlank()) add("name")
        val admitted = day(input.admitted)
        if (input.admitted != null && (admitted == null || admitted.isAfter(today.plusDays(1)))) add("admitted")
        if (input.phase == Phase.CLOSED) {
            if (input.closure == null) add("closure")
            if (input.closure == ClosureReason.OTHER && input.closedReason.isNullOrBlank()) add("closed_reason")
            val closedOn = day(input.closedOn)
            if (input.closedOn != null && (closedOn == null || closedOn.isAfter(today.plusDays(1)) ||
                    (admitted != null && closedOn.isBefore(admitted)))) add("closed_on")
        }
        if (input.deputy != null && (input.contactPerson == null || input.deputy == input.contactPerson)) add("deputy")
        return out
    }

    /** What the core saves; an estimate nobody confirmed stays unrecorded. */
    fun toInput(): ClientInput = input.copy(
        admitted = if (admissionEstimated) null else input.admitted,
        code = input.code.trim(),
        name = input.name.trim(),
        closedReason = input.closedReason?.trim()?.ifEmpty { null },
        nextContact = input.nextContact?.trim()?.ifEmpty { null },
    )
}
