package se.uppsok.app.core

import se.uppsok.core.ClientInput
import se.uppsok.core.ClientItem
import se.uppsok.core.Phase
import se.uppsok.core.ConsentScope
import se.uppsok.core.ConsentState
import se.uppsok.core.ContactKind
import se.uppsok.core.FixInput
import se.uppsok.core.KeyProviderException
import se.uppsok.core.PlatformKeyProvider
import se.uppsok.core.UppsokStore
import se.uppsok.core.VisitInput
import se.uppsok.core.Setting
import se.uppsok.core.generateDeviceKey
import java.io.File
import java.net.ServerSocket
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import java.time.Duration
import java.util.concurrent.atomic.AtomicInteger
import kotlin.math.cos

/** A key provider like the app's, holding one random key (as the Keystore would). */
class TestKeys(val key: ByteArray = generateDeviceKey()) : PlatformKeyProvider {
    val calls = AtomicInteger()
    override fun key(salt: ByteArray): ByteArray {
        calls.incrementAndGet()
        return key.copyOf()
    }
}

/** A provider whose keystore fails: with its own exception, or with any other throwable. */
class ThrowingKeys(private val error: Throwable) : PlatformKeyProvider {
    override fun key(salt: ByteArray): ByteArray = throw error
}

fun tempDir(prefix: String = "uppsok-test"): File = Files.createTempDirectory(prefix).toFile().also { it.deleteOnExit() }

fun newStore(user: String = "anna", keys: PlatformKeyProvider = TestKeys()): Pair<UppsokStore, String> {
    val path = File(tempDir(), "store.db").path
    return UppsokStore.create(path, user, keys) to path
}

fun clientInput(code: String, name: String = "Testperson $code") = ClientInput(
    id = null, code = code, name = name, phase = Phase.ACTIVE, closure = null, closedOn = null, closedReason = null,
    nextContact = null, consent = ConsentState.NOT_RECORDED, consentDate = null, consentScope = ConsentScope.CONTACTS,
    consentUntil = null, admitted = null, referral = null, contactPerson = null, deputy = null, protectedIdentity = false,
)

/** A client as the lists show it, for the plain layer's tests. */
fun clientItem(
    code: String, days: Long? = null, next: String? = null, phase: Phase = Phase.ACTIVE, mine: Boolean = false,
    name: String = "N", protectedIdentity: Boolean = false,
) = ClientItem(
    id = code, code = code, name = name, phase = phase, closedReason = null, nextContact = next,
    consent = ConsentState.NOT_RECORDED, consentDate = null, consentScope = ConsentScope.CONTACTS, consentUntil = null,
    closure = null, closedOn = null, admitted = null, admission = "2026-01-01", admissionEstimated = true, referral = null,
    contactPerson = if (mine) "anna" else null, deputy = null, protectedIdentity = protectedIdentity, mine = mine,
    lastVisitMs = null, lastContactMs = null, daysSinceContact = days,
)

fun visitInput(clientId: String, startMs: Long = System.currentTimeMillis() - 3_600_000L) = VisitInput(
    id = null, clientId = clientId, staff = emptyList(), startMs = startMs, minutes = 45,
    contact = ContactKind.FACE_TO_FACE, setting = Setting.HOME, network = false, clientPresent = true, group = false,
    place = "Töre", note = "Mådde bättre",
)

/**
 * A drive north from Kalix at 20 m/s, one fix a second, with a few metres of noise: [seconds]
 * fixes covering about 20·(seconds−1) m.
 */
fun drive(seconds: Int, startMs: Long = System.currentTimeMillis() - seconds * 1000L, seed: Int = 7): List<FixInput> {
    val rnd = java.util.Random(seed.toLong())
    val lat0 = 65.85
    val lon0 = 23.15
    val mPerDegLat = 111_320.0
    val mPerDegLon = 111_320.0 * cos(Math.toRadians(lat0))
    return (0 until seconds).map { i ->
        val north = 20.0 * i + rnd.nextGaussian() * 3.0
        val east = rnd.nextGaussian() * 3.0
        FixInput(lat0 + north / mPerDegLat, lon0 + east / mPerDegLon, 5.0, startMs + i * 1000L, 20.0)
    }
}

/**
 * A real `uppsok serve` on a free loopback port over a fresh SQLite database, with an
 * organisation, a team and a case manager set up through `uppsok admin` (tests/kotlin/run builds
 * the binary and passes its path in UPPSOK_BIN).
 */
class TestServer : AutoCloseable {
    val dir: File = tempDir("uppsok-server")
    private val bin = System.getenv("UPPSOK_BIN") ?: "target/debug/uppsok"
    private val database = "sqlite://${File(dir, "uppsok.db").path}"
    val port: Int = ServerSocket(0).use { it.localPort }
    val url = "http://127.0.0.1:$port"
    private val log = File(dir, "server.log")
    private var process: Process? = null
    private val http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()

    /** `uppsok admin ARGS…`; returns stdout (stderr, which names the database, goes to a file). */
    fun admin(vararg args: String, stdin: String? = null): String {
        val err = File(dir, "admin.err")
        val p = ProcessBuilder(listOf(bin, "admin", "--database", database, "--data-dir", dir.path) + args)
            .redirectError(err).start()
        p.outputStream.use { out -> stdin?.let { out.write(it.toByteArray()) } }
        val text = p.inputStream.bufferedReader().readText()
        check(p.waitFor() == 0) { "uppsok admin ${args.joinToString(" ")} failed: $text ${err.readText()}" }
        return text
    }

    /** Creates org, team (code pattern [pattern]) and [username]; returns a fresh enrolment code. */
    fun setUpTeam(username: String = "anna", pattern: String = "K-###"): String {
        admin("init")
        admin("org", "add", "--name", "Kalix kommun", "--kind", "municipality")
        admin("team", "add", "--name", "ACT Kalix", "--org", "Kalix kommun", "--code-pattern", pattern)
        admin("user", "add", "--username", username, "--name", "Anna Berg", "--role", "case_manager",
            "--org", "Kalix kommun", "--team", "ACT Kalix", "--password-stdin", stdin = "correct horse battery staple\n")
        return enrolmentCode(username)
    }

    fun enrolmentCode(username: String): String {
        val out = admin("enrol", username, "--no-qr")
        return out.lines().map { it.trim() }.filter { it.isNotEmpty() }[1]
    }

    fun start(): TestServer {
        process = ProcessBuilder(bin, "serve", "--bind", "127.0.0.1:$port", "--database", database, "--data-dir", dir.path)
            .redirectErrorStream(true).redirectOutput(log).start()
        val deadline = System.nanoTime() + 60_000_000_000L
        while (System.nanoTime() < deadline) {
            check(process!!.isAlive) { "uppsok serve exited: ${log.readText()}" }
            val ok = runCatching {
                http.send(HttpRequest.newBuilder(URI("$url/healthz")).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode() == 200
            }.getOrDefault(false)
            if (ok) return this
            Thread.sleep(100)
        }
        error("uppsok serve did not answer /healthz within 60 s: ${log.readText()}")
    }

    /** The HTTP status of an unauthenticated POST to [path] (404 when the route is missing). */
    fun probe(path: String): Int = http.send(
        HttpRequest.newBuilder(URI("$url$path")).POST(HttpRequest.BodyPublishers.ofString("{}"))
            .header("content-type", "application/json").timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString(),
    ).statusCode()

    override fun close() {
        process?.let {
            it.destroy()
            if (!it.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) it.destroyForcibly()
        }
    }
}
