// Plain Kotlin (no Android imports): compiled and tested on the host JVM by tests/kotlin/run.
package se.uppsok.app.core

import java.net.URI
import java.net.URLDecoder
import java.net.URLEncoder

/** What the enrolment screen sends to the core. */
data class EnrolmentRequest(val serverUrl: String, val code: String)

/** What an enrolment link or QR code fills in: the server (when it names one) and the code. */
data class EnrolmentLink(val server: String?, val code: String)

/**
 * Enrolment by scanning the QR code `uppsok admin enrol` prints or by typing the code. The QR
 * holds the bare code, or `uppsok://enrol?server=…&code=…` when the administrator includes the
 * server; people type codes with spaces, dashes and lower case, which the server ignores too.
 */
object Enrolment {
    fun normaliseCode(raw: String): String =
        raw.filter { it.isLetterOrDigit() }.uppercase()

    /**
     * An enrolment link, `uppsok://enrol?server=…&code=…` (the QR code, or a link opened on the
     * phone): the server, when it names one, and the code. Null for any other link, a code too
     * short to be one, or a server that is not https (a link can come from anywhere; it only
     * fills in the form, the user still presses Enrol).
     */
    fun parseLink(text: String): EnrolmentLink? {
        val u = runCatching { URI(text.trim()) }.getOrNull() ?: return null
        if (!u.scheme.equals("uppsok", ignoreCase = true) || !u.host.equals("enrol", ignoreCase = true)) return null
        val params = (u.rawQuery ?: return null).split('&').mapNotNull {
            val i = it.indexOf('=')
            if (i <= 0) null else it.substring(0, i) to runCatching { URLDecoder.decode(it.substring(i + 1), "UTF-8") }.getOrNull()
        }.toMap()
        val code = params["code"]?.let(::normaliseCode)?.takeIf { it.length in 6..64 } ?: return null
        val server = params["server"]?.trim()?.takeIf { it.isNotEmpty() }
        if (server != null && serverProblem(server, Lang.SV) != null) return null
        return EnrolmentLink(server?.trimEnd('/'), code)
    }

    /**
     * Where the system browser starts an enrolment through the organisation's own login
     * (OpenID Connect at the server, `GET /enrol/oidc`): the server answers, after the login,
     * with an `uppsok://enrol` link that [parseLink] reads. [org] (an organisation's id) skips
     * the server's choice of organisation; without it the server asks, or goes straight on when
     * one organisation allows it. Null while the server address is not usable.
     */
    fun oidcStartUrl(serverUrl: String, org: String? = null): String? {
        if (serverProblem(serverUrl, Lang.SV) != null) return null
        val base = serverUrl.trim().trimEnd('/') + "/enrol/oidc"
        val o = org?.trim()?.takeIf { it.isNotEmpty() } ?: return base
        return base + "?org=" + URLEncoder.encode(o, "UTF-8")
    }

    /** A scanned QR code: an enrolment link, or the bare code; null if it is neither. */
    fun parseScan(text: String): EnrolmentLink? {
        val t = text.trim()
        if (t.startsWith("uppsok:", ignoreCase = true)) return parseLink(t)
        val code = normaliseCode(t)
        return if (code.length in 6..64 && t.length <= 80) EnrolmentLink(null, code) else null
    }

    /**
     * Enrols the phone: creates the store when there is none yet, then enrols it. A failure
     * keeps the store (a retry enrols it; nothing is wiped) and answers [GateEvent.EnrolFailed]
     * with the error for the message; success answers [GateEvent.Enrolled].
     */
    suspend fun enrol(core: CoreRepository, username: String, request: EnrolmentRequest, deviceName: String?): Pair<GateEvent, Exception?> =
        try {
            if (!core.exists()) core.create(username.trim())
            core.call { it.enrol(request.serverUrl, request.code, deviceName) }
            GateEvent.Enrolled to null
        } catch (e: Exception) {
            GateEvent.EnrolFailed(core.exists()) to e
        }

    /**
     * Checks the server address: https, or http only for a test server on this machine or the
     * Android emulator's host. Returns a problem to show, or null when it is fine.
     */
    fun serverProblem(url: String, lang: Lang): String? {
        val u = runCatching { URI(url.trim()) }.getOrNull()
        val host = u?.host
        val ok = when (u?.scheme?.lowercase()) {
            "https" -> !host.isNullOrEmpty()
            "http" -> host == "localhost" || host == "127.0.0.1" || host == "10.0.2.2"
            else -> false
        }
        return if (ok) null
        else if (lang == Lang.SV) "Ange serverns adress, som börjar med https://"
        else "Enter the server's address, starting with https://"
    }

    fun request(serverUrl: String, rawCode: String, lang: Lang): Result<EnrolmentRequest> {
        serverProblem(serverUrl, lang)?.let { return Result.failure(IllegalArgumentException(it)) }
        val code = normaliseCode(rawCode)
        if (code.length < 6) {
            val msg = if (lang == Lang.SV) "Koden är för kort – skriv av den som den står." else "The code is too short – type it as shown."
            return Result.failure(IllegalArgumentException(msg))
        }
        return Result.success(EnrolmentRequest(serverUrl.trim().trimEnd('/'), code))
    }
}
