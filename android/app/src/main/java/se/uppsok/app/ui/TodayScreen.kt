package se.uppsok.app.ui

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Add
import androidx.compose.material3.ExtendedFloatingActionButton
import androidx.compose.material3.Icon
import androidx.compose.material3.ListItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import se.uppsok.app.R
import se.uppsok.app.UiState
import se.uppsok.app.core.Format
import se.uppsok.app.core.Labels
import se.uppsok.app.core.Lang

/** Today's visits, the sync line, and the big "log a visit" button. */
@Composable
fun TodayScreen(state: UiState, onLogVisit: () -> Unit, onSync: () -> Unit) {
    val lang = if (stringResource(R.string.nav_today) == "Today") Lang.EN else Lang.SV
    Scaffold(
        floatingActionButton = {
            ExtendedFloatingActionButton(onClick = onLogVisit, icon = { Icon(Icons.Filled.Add, null) },
                text = { Text(stringResource(R.string.log_visit)) })
        },
    ) { padding ->
        Column(Modifier.padding(padding).padding(16.dp)) {
            Text(stringResource(R.string.today_title), style = MaterialTheme.typography.headlineSmall)
            Text(state.todaySummary, style = MaterialTheme.typography.bodyMedium)
            state.sync?.let { s ->
                TextButton(onClick = onSync) { Text("${s.line} · ${s.lastSync}") }
            }
            if (state.today.isEmpty()) Text(stringResource(R.string.today_empty))
            LazyColumn {
                items(state.today, key = { it.id }) { v ->
                    ListItem(
                        headlineContent = { Text("${v.clientCode ?: "?"} · ${Labels.contact(v.contact, lang)}") },
                        supportingContent = {
                            Text(listOfNotNull(Format.clock(v.startMs), Format.minutes(v.minutes, lang), v.place).joinToString(" · "))
                        },
                    )
                }
            }
        }
    }
}
