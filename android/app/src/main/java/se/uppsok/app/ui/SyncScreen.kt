package se.uppsok.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import se.uppsok.app.R
import se.uppsok.app.UiState

/**
 * "N ändringar väntar", the last sync, the last error, records that could not be read (with a
 * repair button), and the refused changes with reasons: retry, or discard.
 */
@Composable
fun SyncScreen(state: UiState, onSync: () -> Unit, onRetry: (String) -> Unit, onDiscard: (String) -> Unit, onRepair: () -> Unit) {
    val s = state.sync
    Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        Text(stringResource(R.string.sync_title), style = MaterialTheme.typography.headlineSmall)
        if (s != null) {
            Text(s.line, style = MaterialTheme.typography.titleMedium,
                color = if (s.stale) MaterialTheme.colorScheme.error else MaterialTheme.colorScheme.onSurface)
            Text(s.lastSync)
            s.error?.let { Text(it, color = MaterialTheme.colorScheme.error) }
            s.damaged?.let {
                Text(it, color = MaterialTheme.colorScheme.error)
                TextButton(onClick = onRepair) { Text(stringResource(R.string.sync_repair)) }
            }
        }
        Button(onClick = onSync) { Text(stringResource(R.string.sync_now)) }
        if (s != null && s.rejected.isNotEmpty()) {
            Text(stringResource(R.string.sync_rejected_title), style = MaterialTheme.typography.titleSmall)
            s.rejected.forEachIndexed { i, text ->
                Text(text)
                state.syncRejectedIds.getOrNull(i)?.let { id ->
                    TextButton(onClick = { onRetry(id) }) { Text(stringResource(R.string.sync_retry)) }
                    TextButton(onClick = { onDiscard(id) }) { Text(stringResource(R.string.sync_discard)) }
                }
            }
        }
    }
}
