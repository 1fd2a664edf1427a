// Plain Kotlin (no Android imports): compiled and tested on the host JVM by tests/kotlin/run.
package se.uppsok.app.core

import se.uppsok.core.ClientItem
import se.uppsok.core.Phase
import java.text.Normalizer

/** A heading of the picker ("Mina klienter") and the clients under it. */
data class PickerSection(val title: String?, val clients: List<ClientItem>)

/**
 * Choosing a client on the visit form and finding one in the caseload: every active client of
 * the phone, never a short "recent" list that a new client can fall off, and nothing chosen
 * until the user chooses. Without a query, "Mina klienter" (the user is their contact person
 * or deputy: `ClientItem.mine`) come first. Typed text matches the code ("k17", "K-017", "017") or the start of
 * any word of the name, without regard to case or accents ("ostlund" finds "Östlund": people
 * type without the Swedish letters on a borrowed keyboard). The same rules on iOS
 * (UppsokAppCore `ClientPicker`).
 */
object ClientPicker {
    /** Letters and digits only, lower case, accents dropped. */
    fun fold(text: String): String =
        Normalizer.normalize(text, Normalizer.Form.NFD)
            .filter { it.isLetterOrDigit() }
            .lowercase()

    private fun words(name: String): List<String> =
        name.split(' ', '-', '\t').map(::fold).filter { it.isNotEmpty() }

    /**
     * The clients to offer for [query]: closed ones left out. Without a query, the user's own
     * first, then the others, each part with the [recentIds] first (in their order: the ones
     * just seen), then by code. With one, the code matches first, then the name matches, each
     * by code.
     */
    fun search(clients: List<ClientItem>, query: String, recentIds: List<String> = emptyList()): List<ClientItem> {
        val open = clients.filter { it.phase != Phase.CLOSED }
        val q = fold(query)
        if (q.isEmpty()) {
            val rank = recentIds.withIndex().associate { (i, id) -> id to i }
            return open.sortedWith(compareBy<ClientItem> { !it.mine }.thenBy { rank[it.id] ?: Int.MAX_VALUE }.thenBy { it.code })
        }
        val digits = q.trimStart { it.isLetter() }.trimStart('0')
        fun codeMatch(c: ClientItem): Boolean {
            val code = fold(c.code)
            if (code.contains(q)) return true
            // "17" or "k17" for "K-017": the number without its leading zeros.
            val codeDigits = code.trimStart { it.isLetter() }.trimStart('0')
            return digits.isNotEmpty() && q.all { it.isDigit() || it.isLetter() } &&
                codeDigits == digits && code.takeWhile { it.isLetter() }.startsWith(q.takeWhile { it.isLetter() })
        }
        fun nameMatch(c: ClientItem): Boolean = words(c.name).any { it.startsWith(q) } || fold(c.name).startsWith(q)
        val byCode = open.filter(::codeMatch).sortedBy { it.code }
        val byName = open.filter { !codeMatch(it) && nameMatch(it) }.sortedBy { it.code }
        return byCode + byName
    }

    /**
     * [search] under headings: without a query "Mina klienter" and "Övriga klienter" (a part
     * left out when empty, and no heading at all when the user has no clients of their own);
     * with one, the matches without a heading.
     */
    fun sections(clients: List<ClientItem>, query: String, recentIds: List<String>, lang: Lang): List<PickerSection> {
        val found = search(clients, query, recentIds)
        if (fold(query).isNotEmpty() || found.none { it.mine }) return listOf(PickerSection(null, found))
        val (mine, others) = found.partition { it.mine }
        return listOfNotNull(
            PickerSection(if (lang == Lang.SV) "Mina klienter" else "My clients", mine),
            others.takeIf { it.isNotEmpty() }?.let { PickerSection(if (lang == Lang.SV) "Övriga klienter" else "Other clients", it) },
        )
    }
}
