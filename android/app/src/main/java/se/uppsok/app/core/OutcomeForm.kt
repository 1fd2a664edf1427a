// Plain Kotlin (no Android imports): compiled and tested on the host JVM by tests/kotlin/run.
package se.uppsok.app.core

import se.uppsok.core.Bilingual
import se.uppsok.core.Care
import se.uppsok.core.Housing
import se.uppsok.core.Occupation
import se.uppsok.core.OutcomeInput
import se.uppsok.core.OutcomeItem
import se.uppsok.core.OutcomeKind
import se.uppsok.core.OutcomeSource
import se.uppsok.core.Respondent
import se.uppsok.core.careLabel
import se.uppsok.core.compulsoryLaw
import se.uppsok.core.housingLabel
import se.uppsok.core.occupationLabel
import se.uppsok.core.outcomeKindLabel
import se.uppsok.core.outcomeSourceLabel
import se.uppsok.core.respondentLabel
import se.uppsok.core.satisfactionQuestions
import java.time.LocalDate

/** The fields an outcome form shows beyond day and source, by kind. */
enum class OutcomeField { CARE, DISCHARGED, COMPULSORY, HOUSING, OCCUPATION, RESPONDENT, ANSWERS }

/**
 * "Registrera utfall": a stay in inpatient care, an emergency-room visit, housing, occupation or
 * the yearly satisfaction answer about one client. The kind is picked first and decides the
 * fields ([fields]); the day is today and the source "Uppgift från klienten" until changed; a
 * stay's discharge day is optional (still admitted), and its compulsory-care switch names the
 * law of the chosen care (LPT, LVM); the satisfaction form's four questions are each 1–5 or
 * skipped, at least one answered. Labels and questions come from the core, so the wording is
 * the dashboard's. The same rules on iOS (UppsokAppCore `OutcomeForm`).
 */
data class OutcomeForm(
    val clientId: String,
    /** Null until the user picks a kind. */
    val kind: OutcomeKind? = null,
    val day: String,
    val source: OutcomeSource = OutcomeSource.CLIENT,
    val care: Care? = null,
    val discharged: String? = null,
    val compulsory: Boolean = false,
    val housing: Housing? = null,
    val occupation: Occupation? = null,
    val respondent: Respondent? = null,
    val answers: List<Int?> = List(QUESTIONS) { null },
    /** Set when editing an outcome the user recorded. */
    val id: String? = null,
) {
    companion object {
        /** The number of satisfaction questions (the core's list; four). */
        val QUESTIONS: Int = satisfactionQuestions().size

        /** A new outcome about [clientId] on [today], from the client. */
        fun new(clientId: String, today: LocalDate): OutcomeForm = OutcomeForm(clientId = clientId, day = today.toString())

        /** Editing [item]: every field as recorded, the id kept. */
        fun edit(item: OutcomeItem): OutcomeForm = OutcomeForm(
            clientId = item.clientId, kind = item.kind, day = item.day, source = item.source, care = item.care,
            discharged = item.discharged, compulsory = item.compulsory, housing = item.housing,
            occupation = item.occupation, respondent = item.respondent,
            answers = if (item.answers.size == QUESTIONS) item.answers else List(QUESTIONS) { null }, id = item.id,
        )

        /** The satisfaction statements in the form's language, in order. */
        fun questions(lang: Lang): List<String> = satisfactionQuestions().map { pick(it, lang) }

        /** The five steps of an answer and what the ends mean. */
        val SCALE: List<Int> = (1..5).toList()

        fun scaleHint(lang: Lang): String =
            if (lang == Lang.SV) "1 = inte alls, 5 = helt och hållet" else "1 = not at all, 5 = fully"

        internal fun pick(b: Bilingual, lang: Lang): String = if (lang == Lang.SV) b.sv else b.en
    }

    /** The fields the chosen kind needs, in the order the form shows them. */
    fun fields(): List<OutcomeField> = when (kind) {
        OutcomeKind.INPATIENT -> listOf(OutcomeField.CARE, OutcomeField.DISCHARGED, OutcomeField.COMPULSORY)
        OutcomeKind.HOUSING -> listOf(OutcomeField.HOUSING)
        OutcomeKind.OCCUPATION -> listOf(OutcomeField.OCCUPATION)
        OutcomeKind.SATISFACTION -> listOf(OutcomeField.RESPONDENT, OutcomeField.ANSWERS)
        OutcomeKind.EMERGENCY, null -> emptyList()
    }

    /**
     * Another kind keeps day and source and starts its own fields over, so nothing of the old
     * kind is saved under the new one. A satisfaction answer is most often the client's own.
     */
    fun withKind(kind: OutcomeKind): OutcomeForm = if (kind == this.kind) this else OutcomeForm(
        clientId = clientId, kind = kind, day = day, source = source, id = id,
        respondent = if (kind == OutcomeKind.SATISFACTION) Respondent.CLIENT else null,
    )

    fun withDay(day: String): OutcomeForm = copy(day = day.trim())
    fun withSource(source: OutcomeSource): OutcomeForm = copy(source = source)
    fun withCare(care: Care): OutcomeForm = copy(care = care)

    /** Blank means still admitted. */
    fun withDischarged(day: String?): OutcomeForm = copy(discharged = day?.trim()?.ifEmpty { null })
    fun withCompulsory(on: Boolean): OutcomeForm = copy(compulsory = on)
    fun withHousing(housing: Housing): OutcomeForm = copy(housing = housing)
    fun withOccupation(occupation: Occupation): OutcomeForm = copy(occupation = occupation)
    fun withRespondent(respondent: Respondent): OutcomeForm = copy(respondent = respondent)

    /** Question [index] answered [value] (1–5), or skipped with null. */
    fun withAnswer(index: Int, value: Int?): OutcomeForm {
        require(index in answers.indices) { "no question $index" }
        return copy(answers = answers.toMutableList().also { it[index] = value })
    }

    /**
     * The compulsory-care switch: by the chosen care's law ("Tvångsvård enligt LVM"), both
     * laws while no care is chosen.
     */
    fun compulsoryLabel(lang: Lang): String {
        val law = care?.let { compulsoryLaw(it) } ?: "LPT/LVM"
        return if (lang == Lang.SV) "Tvångsvård enligt $law" else "Compulsory care under $law"
    }

    private fun date(text: String?): LocalDate? = text?.let { runCatching { LocalDate.parse(it.trim()) }.getOrNull() }

    /** The instant checks, in Swedish first; the core checks the same rules again and is the one that counts. */
    fun problems(lang: Lang, today: LocalDate = LocalDate.now()): List<FieldProblem> {
        val out = mutableListOf<FieldProblem>()
        fun add(field: String) = out.add(FieldProblem(field, Messages.invalid(field, "", lang)))
        val latest = today.plusDays(1)
        if (kind == null) add("kind")
        val day = date(this.day)
        if (day == null || day.isAfter(latest) || day.isBefore(EARLIEST)) add("day")
        when (kind) {
            OutcomeKind.INPATIENT -> {
                if (care == null) add("care")
                if (discharged != null) {
                    val left = date(discharged)
                    if (left == null || left.isAfter(latest) || (day != null && left.isBefore(day))) add("discharged")
                }
            }
            OutcomeKind.HOUSING -> if (housing == null) add("housing")
            OutcomeKind.OCCUPATION -> if (occupation == null) add("occupation")
            OutcomeKind.SATISFACTION -> {
                if (respondent == null) add("respondent")
                if (answers.all { it == null } || answers.any { it != null && it !in SCALE }) add("answers")
            }
            OutcomeKind.EMERGENCY, null -> {}
        }
        return out
    }

    /** What the core saves; null until a kind is picked. Only the kind's fields are sent. */
    fun toInput(): OutcomeInput? {
        val kind = kind ?: return null
        val f = fields()
        return OutcomeInput(
            id = id, clientId = clientId, day = day.trim(), source = source, kind = kind,
            care = care.takeIf { OutcomeField.CARE in f },
            discharged = discharged.takeIf { OutcomeField.DISCHARGED in f },
            compulsory = compulsory && OutcomeField.COMPULSORY in f,
            housing = housing.takeIf { OutcomeField.HOUSING in f },
            occupation = occupation.takeIf { OutcomeField.OCCUPATION in f },
            respondent = respondent.takeIf { OutcomeField.RESPONDENT in f },
            answers = if (OutcomeField.ANSWERS in f) answers else emptyList(),
        )
    }
}

/** The model's first allowed day: before 1990 is a typing error, not a history. */
private val EARLIEST: LocalDate = LocalDate.of(1990, 1, 1)

/** Outcome wording from the core (the model's labels, the dashboard's words). */
object OutcomeLabels {
    private fun pick(b: Bilingual, lang: Lang) = OutcomeForm.pick(b, lang)

    fun kind(k: OutcomeKind, lang: Lang): String = pick(outcomeKindLabel(k), lang)
    fun source(s: OutcomeSource, lang: Lang): String = pick(outcomeSourceLabel(s), lang)
    fun care(c: Care, lang: Lang): String = pick(careLabel(c), lang)
    fun housing(h: Housing, lang: Lang): String = pick(housingLabel(h), lang)
    fun occupation(o: Occupation, lang: Lang): String = pick(occupationLabel(o), lang)
    fun respondent(r: Respondent, lang: Lang): String = pick(respondentLabel(r), lang)

    /** The choices in the pickers' order (the core's enum order). */
    val kinds: List<OutcomeKind> = OutcomeKind.entries
    val sources: List<OutcomeSource> = OutcomeSource.entries

    /**
     * One line of the client's outcome list: day, kind, what it was, and the source, e.g.
     * "2026-03-02 Inskrivning i slutenvård: Psykiatrisk slutenvård, LPT, t.o.m. 2026-03-09 (Från slutenvården)".
     */
    fun line(o: OutcomeItem, lang: Lang): String {
        val sv = lang == Lang.SV
        val what = when (o.kind) {
            OutcomeKind.INPATIENT -> listOfNotNull(
                o.care?.let { care(it, lang) },
                o.compulsoryLaw,
                o.discharged?.let { if (sv) "t.o.m. $it" else "until $it" }
                    ?: if (sv) "fortfarande inskriven" else "still admitted",
            ).joinToString(", ")
            OutcomeKind.EMERGENCY -> ""
            OutcomeKind.HOUSING -> o.housing?.let { housing(it, lang) } ?: ""
            OutcomeKind.OCCUPATION -> o.occupation?.let { occupation(it, lang) } ?: ""
            OutcomeKind.SATISFACTION -> listOfNotNull(
                o.respondent?.let { respondent(it, lang) },
                o.answers.joinToString(" ") { it?.toString() ?: "–" },
            ).joinToString(": ")
        }
        val head = kind(o.kind, lang) + if (what.isEmpty()) "" else ": $what"
        return "${o.day} $head (${source(o.source, lang)})"
    }
}
