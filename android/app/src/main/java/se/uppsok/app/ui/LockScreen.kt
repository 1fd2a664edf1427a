package se.uppsok.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Lock
import androidx.compose.material3.Button
import androidx.compose.material3.Icon
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import se.uppsok.app.R

/**
 * The app lock: asks for biometrics or the phone's PIN at once, with a button to ask again; a
 * phone without a screen lock shows [notice] and a button to the security settings instead.
 */
@Composable
fun LockScreen(notice: String?, onUnlock: () -> Unit, onOpenSettings: () -> Unit) {
    LaunchedEffect(Unit) { onUnlock() }
    Column(
        Modifier.fillMaxSize(),
        verticalArrangement = Arrangement.spacedBy(16.dp, Alignment.CenterVertically),
        horizontalAlignment = Alignment.CenterHorizontally,
    ) {
        Icon(Icons.Filled.Lock, contentDescription = null)
        Text(stringResource(R.string.lock_title), style = MaterialTheme.typography.titleLarge)
        notice?.let { Text(it, Modifier.padding(horizontal = 24.dp)) }
        Button(onClick = onUnlock) { Text(stringResource(R.string.lock_unlock)) }
        if (notice != null) TextButton(onClick = onOpenSettings) { Text(stringResource(R.string.lock_open_settings)) }
    }
}
