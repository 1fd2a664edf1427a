package se.uppsok.app.ui

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Button
import androidx.compose.material3.FilterChip
import androidx.compose.material3.ListItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import se.uppsok.app.R
import se.uppsok.app.UiState
import se.uppsok.app.core.ClientPicker
import se.uppsok.app.core.Format
import se.uppsok.app.core.Labels
import se.uppsok.app.core.Lang
import se.uppsok.core.ClientInput
import se.uppsok.core.ClientItem
import se.uppsok.core.ConsentState
import se.uppsok.core.Phase
import se.uppsok.core.VisitItem

/**
 * The caseload: every active client, searched by code or name (ClientPicker); a new client;
 * a chosen client's phase, consent and next planned contact, and its visits.
 */
@OptIn(ExperimentalLayoutApi::class)
@Composable
fun ClientsScreen(state: UiState, lang: Lang, onSave: (ClientInput) -> Unit, loadVisits: suspend (String) -> List<VisitItem>) {
    var code by rememberSaveable { mutableStateOf("") }
    var name by rememberSaveable { mutableStateOf("") }
    var query by rememberSaveable { mutableStateOf("") }
    var chosenId by rememberSaveable { mutableStateOf<String?>(null) }
    Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        Text(stringResource(R.string.clients_title), style = MaterialTheme.typography.headlineSmall)
        Row {
            OutlinedTextField(code, { code = it.uppercase() }, label = { Text(stringResource(R.string.client_code)) },
                modifier = Modifier.weight(1f), singleLine = true)
            OutlinedTextField(name, { name = it }, label = { Text(stringResource(R.string.client_name)) },
                modifier = Modifier.weight(1f), singleLine = true)
        }
        Button(onClick = {
            onSave(ClientInput(null, code, name, Phase.INTAKE, null, null, ConsentState.NOT_RECORDED, null))
            code = ""
            name = ""
        }) { Text(stringResource(R.string.client_add)) }
        OutlinedTextField(query, { query = it }, label = { Text(stringResource(R.string.visit_search)) }, singleLine = true)
        state.clients.firstOrNull { it.id == chosenId }?.let { c -> ClientEditor(c, lang, onSave, loadVisits) }
        val rows = state.clientRows.associateBy { it.id }
        LazyColumn {
            items(ClientPicker.search(state.clients, query, state.recentIds), key = { it.id }) { c ->
                val row = rows[c.id]
                ListItem(
                    modifier = Modifier.clickable { chosenId = if (chosenId == c.id) null else c.id },
                    headlineContent = { Text("${c.code} · ${c.name}") },
                    supportingContent = {
                        Column {
                            row?.let { Text(stringResource(R.string.clients_last_contact, it.lastContact)) }
                            row?.nextContact?.let { Text(stringResource(R.string.clients_next_contact, it)) }
                            if (row?.overdue == true) Text(stringResource(R.string.clients_overdue), color = MaterialTheme.colorScheme.error)
                        }
                    },
                )
            }
        }
    }
}

@OptIn(ExperimentalLayoutApi::class)
@Composable
private fun ClientEditor(c: ClientItem, lang: Lang, onSave: (ClientInput) -> Unit, loadVisits: suspend (String) -> List<VisitItem>) {
    var phase by rememberSaveable(c.id) { mutableStateOf(c.phase) }
    var consent by rememberSaveable(c.id) { mutableStateOf(c.consent) }
    var next by rememberSaveable(c.id) { mutableStateOf(c.nextContact ?: "") }
    var visits by remember(c.id) { mutableStateOf(emptyList<VisitItem>()) }
    LaunchedEffect(c.id) { visits = runCatching { loadVisits(c.id) }.getOrDefault(emptyList()) }
    Column(verticalArrangement = Arrangement.spacedBy(6.dp)) {
        Text(stringResource(R.string.client_phase), style = MaterialTheme.typography.titleSmall)
        FlowRow(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
            Phase.entries.filter { it != Phase.CLOSED }.forEach { p ->
                FilterChip(selected = phase == p, onClick = { phase = p }, label = { Text(Labels.phase(p, lang)) })
            }
        }
        FlowRow(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
            ConsentState.entries.forEach { s ->
                FilterChip(selected = consent == s, onClick = { consent = s }, label = { Text(Labels.consent(s, lang)) })
            }
        }
        OutlinedTextField(next, { next = it.trim() }, label = { Text(stringResource(R.string.client_next)) }, singleLine = true)
        Button(onClick = {
            onSave(
                ClientInput(
                    c.id, c.code, c.name, phase, c.closedReason, next.ifBlank { null }, consent,
                    when {
                        consent == ConsentState.NOT_RECORDED -> null
                        consent == c.consent -> c.consentDate
                        else -> java.time.LocalDate.now().toString()
                    },
                ),
            )
        }) { Text(stringResource(R.string.save)) }
        Text(stringResource(R.string.client_history), style = MaterialTheme.typography.titleSmall)
        visits.take(10).forEach { v ->
            Text("${Format.shortDate(java.time.Instant.ofEpochMilli(v.startMs).atZone(java.time.ZoneId.systemDefault()).toLocalDate().toString(), lang)} ${Format.clock(v.startMs)} · ${Labels.contact(v.contact, lang)} · ${Format.minutes(v.minutes, lang)}")
        }
    }
}
