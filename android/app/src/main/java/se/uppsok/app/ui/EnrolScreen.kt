package se.uppsok.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import android.content.Intent
import android.net.Uri
import com.google.mlkit.vision.barcode.common.Barcode
import com.google.mlkit.vision.codescanner.GmsBarcodeScannerOptions
import com.google.mlkit.vision.codescanner.GmsBarcodeScanning
import se.uppsok.app.R
import se.uppsok.app.core.Enrolment
import se.uppsok.app.core.EnrolmentLink

/**
 * First run, a retry after a failed enrolment, or a re-enrolment after a sign-out: the server
 * address and the one-time code, typed, scanned from the QR code, or filled in by an
 * `uppsok://enrol` link ([prefill]); [notice] says why enrolment shows again. "Logga in med
 * organisationens inloggning" opens the system browser at the server's `/enrol/oidc`; its
 * answer is an `uppsok://enrol` link, which comes back through MainActivity as [prefill].
 */
@Composable
fun EnrolScreen(prefill: EnrolmentLink?, notice: String?, onEnrol: (username: String, server: String, code: String) -> Unit) {
    val context = LocalContext.current
    var username by rememberSaveable { mutableStateOf("") }
    var server by rememberSaveable { mutableStateOf("https://") }
    var code by rememberSaveable { mutableStateOf("") }
    LaunchedEffect(prefill) {
        prefill?.let { link ->
            link.server?.let { server = it }
            code = link.code
        }
    }
    Column(Modifier.padding(24.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        Text(stringResource(R.string.enrol_title), style = MaterialTheme.typography.headlineSmall)
        notice?.let { Text(it, color = MaterialTheme.colorScheme.error) }
        OutlinedTextField(username, { username = it.lowercase().trim() }, label = { Text(stringResource(R.string.enrol_username)) })
        OutlinedTextField(server, { server = it.trim() }, label = { Text(stringResource(R.string.enrol_server)) })
        OutlinedTextField(code, { code = it }, label = { Text(stringResource(R.string.enrol_code)) })
        OutlinedButton(onClick = {
            val options = GmsBarcodeScannerOptions.Builder().setBarcodeFormats(Barcode.FORMAT_QR_CODE).build()
            GmsBarcodeScanning.getClient(context, options).startScan().addOnSuccessListener { barcode ->
                Enrolment.parseScan(barcode.rawValue ?: "")?.let { link ->
                    link.server?.let { server = it }
                    code = link.code
                }
            }
        }) { Text(stringResource(R.string.enrol_scan)) }
        val oidcStart = Enrolment.oidcStartUrl(server)
        OutlinedButton(onClick = {
            oidcStart?.let { context.startActivity(Intent(Intent.ACTION_VIEW, Uri.parse(it))) }
        }, enabled = oidcStart != null) { Text(stringResource(R.string.enrol_oidc)) }
        Button(onClick = { onEnrol(username, server, code) }, enabled = username.length >= 2 && code.isNotBlank()) {
            Text(stringResource(R.string.enrol_button))
        }
    }
}
