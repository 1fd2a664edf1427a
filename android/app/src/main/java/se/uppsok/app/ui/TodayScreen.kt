package se.uppsok.app.ui

import androidx.compose.foundation.layout.Row
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

/**
 * The start screen: today's planned contacts and the clients not reached for long (TodayPlan),
 * the sync line, and today's visits (edit, delete), plus "log a visit".
 */
@Composable
fun TodayScreen(
    state: UiState,
    lang: Lang,
    onLogVisit: () -> Unit,
    onEditVisit: (String) -> Unit,
    onSync: () -> Unit,
    onDeleteVisit: (String) -> Unit,
) {
    Scaffold(
        floatingActionButton = {
            ExtendedFloatingActionButton(onClick = onLogVisit, icon = { Icon(Icons.Filled.Add, null) },
                text = { Text(stringResource(R.string.log_visit)) })
        },
    ) { padding ->
        LazyColumn(Modifier.padding(padding).padding(16.dp)) {
            item {
                Text(stringResource(R.string.today_title), style = MaterialTheme.typography.headlineSmall)
                Text(state.todaySummary, style = MaterialTheme.typography.bodyMedium)
                state.sync?.let { s -> TextButton(onClick = onSync) { Text("${s.line} · ${s.lastSync}") } }
            }
            if (state.todayPlan.planned.isNotEmpty()) {
                item { Text(stringResource(R.string.today_planned), style = MaterialTheme.typography.titleSmall) }
                items(state.todayPlan.planned, key = { "p" + it.id }) { row ->
                    ListItem(headlineContent = { Text("${row.code} · ${row.name}") }, supportingContent = { Text(row.nextContact ?: "") })
                }
            }
            if (state.todayPlan.overdue.isNotEmpty()) {
                item { Text(stringResource(R.string.today_overdue), style = MaterialTheme.typography.titleSmall) }
                items(state.todayPlan.overdue, key = { "o" + it.id }) { row ->
                    ListItem(headlineContent = { Text("${row.code} · ${row.name}") }, supportingContent = { Text(row.lastContact) })
                }
            }
            if (state.today.isEmpty()) item { Text(stringResource(R.string.today_empty)) }
            items(state.today, key = { it.id }) { v ->
                ListItem(
                    headlineContent = { Text("${v.clientCode ?: "?"} · ${Labels.contact(v.contact, lang)}") },
                    supportingContent = {
                        Text(listOfNotNull(Format.clock(v.startMs), Format.minutes(v.minutes, lang), v.place).joinToString(" · "))
                    },
                    trailingContent = {
                        Row {
                            TextButton(onClick = { onEditVisit(v.id) }) { Text(stringResource(R.string.edit)) }
                            TextButton(onClick = { onDeleteVisit(v.id) }) { Text(stringResource(R.string.delete)) }
                        }
                    },
                )
            }
        }
    }
}
