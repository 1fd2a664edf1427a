package se.uppsok.app.ui

import android.content.Intent
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Button
import androidx.compose.material3.ButtonDefaults
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import se.uppsok.app.R
import se.uppsok.app.UiState
import se.uppsok.core.coreVersion

/** Who is signed in, the server, the version; lock now; the diagnostics export; wipe the phone. */
@Composable
fun SettingsScreen(state: UiState, onLock: () -> Unit, onDiagnostics: ((String) -> Unit) -> Unit, onWipe: () -> Unit) {
    var confirm by remember { mutableStateOf(false) }
    val context = LocalContext.current
    Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        Text(stringResource(R.string.settings_title), style = MaterialTheme.typography.headlineSmall)
        state.profile?.let { p ->
            Text(stringResource(R.string.settings_user, p.username))
            Text(stringResource(R.string.settings_server, p.serverUrl ?: "–"))
        }
        Text(stringResource(R.string.settings_version, coreVersion()))
        OutlinedButton(onClick = onLock) { Text(stringResource(R.string.settings_lock_now)) }
        OutlinedButton(onClick = {
            onDiagnostics { text ->
                val send = Intent(Intent.ACTION_SEND).setType("text/plain").putExtra(Intent.EXTRA_TEXT, text)
                context.startActivity(Intent.createChooser(send, null))
            }
        }) { Text(stringResource(R.string.settings_diagnostics)) }
        Button(onClick = { confirm = true }, colors = ButtonDefaults.buttonColors(containerColor = MaterialTheme.colorScheme.error)) {
            Text(stringResource(R.string.settings_wipe))
        }
    }
    if (confirm) {
        AlertDialog(
            onDismissRequest = { confirm = false },
            text = { Text(stringResource(R.string.settings_wipe_confirm)) },
            confirmButton = { TextButton(onClick = { confirm = false; onWipe() }) { Text(stringResource(R.string.settings_wipe_yes)) } },
            dismissButton = { TextButton(onClick = { confirm = false }) { Text(stringResource(R.string.cancel)) } },
        )
    }
}
