// Plain Kotlin (no Android imports): compiled and tested on the host JVM by tests/kotlin/run.
package se.uppsok.app.core

import java.net.URI

/** What the enrolment screen sends to the core. */
data class EnrolmentRequest(val serverUrl: String, val code: String)

/**
 * Enrolment by scanning the QR code `uppsok admin enrol` prints or by typing the code. The QR
 * holds the bare code, or `uppsok://enrol?server=…&code=…` when the administrator includes the
 * server; people type codes with spaces, dashes and lower case, which the server ignores too.
 */
object Enrolment {
    fun normaliseCode(raw: String): String =
        raw.filter { it.isLetterOrDigit() }.uppercase()

    /** A scanned QR code: the server (if it names one) and the code; null if it is neither. */
    fun parseScan(text: String): Pair<String?, String>? {
        val t = text.trim()
        if (t.startsWith("uppsok://", ignoreCase = true)) {
            val query = runCatching { URI(t).rawQuery }.getOrNull() ?: return null
            val params = query.split('&').mapNotNull {
                val i = it.indexOf('=')
                if (i <= 0) null else it.substring(0, i) to java.net.URLDecoder.decode(it.substring(i + 1), "UTF-8")
            }.toMap()
            val code = params["code"]?.let(::normaliseCode)?.takeIf { it.length >= 6 } ?: return null
            return params["server"] to code
        }
        val code = normaliseCode(t)
        return if (code.length in 6..64 && t.length <= 80) null to code else null
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
