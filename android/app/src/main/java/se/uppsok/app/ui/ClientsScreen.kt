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
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Switch
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalClipboardManager
import androidx.compose.ui.text.AnnotatedString
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import se.uppsok.app.R
import se.uppsok.app.UiState
import kotlinx.coroutines.launch
import se.uppsok.app.core.ClientForm
import se.uppsok.app.core.ClientPage
import se.uppsok.app.core.ClientPageState
import se.uppsok.app.core.ClientPicker
import se.uppsok.app.core.Format
import se.uppsok.app.core.Labels
import se.uppsok.app.core.Lang
import se.uppsok.app.core.OutcomeLabels
import se.uppsok.core.ClientInput
import se.uppsok.core.ClientItem
import se.uppsok.core.ClosureReason
import se.uppsok.core.ConsentState
import se.uppsok.core.Phase
import se.uppsok.core.Referral
import se.uppsok.core.TeamMemberItem
import se.uppsok.core.VisitItem
import java.time.LocalDate

/**
 * The caseload: every active client, searched by code or name (ClientPicker); a new client
 * (admitted today); a chosen client's phase and closure, admission and referral, contact person
 * and deputy, protected identity, consent and next planned contact (ClientForm), and its visits;
 * "Visa äldre" fetches those from before the phone's window (ClientPage); "Registrera utfall"
 * opens the client's outcomes (OutcomeScreen).
 */
@OptIn(ExperimentalLayoutApi::class)
@Composable
fun ClientsScreen(
    state: UiState,
    lang: Lang,
    onSave: (ClientInput) -> Unit,
    loadPage: suspend (String) -> ClientPageState,
    loadOlder: suspend (ClientPageState) -> ClientPageState,
    journalText: suspend (String) -> String,
    onOutcomes: (String) -> Unit,
) {
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
            // Admitted today; the rest is set on the client's page.
            val new = ClientForm.new(LocalDate.now())
            onSave(new.copy(input = new.input.copy(code = code, name = name)).toInput())
            code = ""
            name = ""
        }) { Text(stringResource(R.string.client_add)) }
        OutlinedTextField(query, { query = it }, label = { Text(stringResource(R.string.visit_search)) }, singleLine = true)
        state.clients.firstOrNull { it.id == chosenId }?.let { c -> ClientEditor(c, state.team, lang, onSave, loadPage, loadOlder, journalText, onOutcomes) }
        val rows = state.clientRows.associateBy { it.id }
        LazyColumn {
            items(ClientPicker.search(state.clients, query, state.recentIds), key = { it.id }) { c ->
                val row = rows[c.id]
                ListItem(
                    modifier = Modifier.clickable { chosenId = if (chosenId == c.id) null else c.id },
                    headlineContent = { Text(Labels.client(c, lang)) },
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
private fun ClientEditor(
    c: ClientItem,
    team: List<TeamMemberItem>,
    lang: Lang,
    onSave: (ClientInput) -> Unit,
    loadPage: suspend (String) -> ClientPageState,
    loadOlder: suspend (ClientPageState) -> ClientPageState,
    journalText: suspend (String) -> String,
    onOutcomes: (String) -> Unit,
) {
    // The page reads the client through the core (ClientPage.load: logged as an opening of the
    // client); the list's item is shown until it is there, and a save (a new item) reloads it.
    var page by remember(c) { mutableStateOf<ClientPageState?>(null) }
    LaunchedEffect(c) { page = runCatching { loadPage(c.id) }.getOrNull() }
    val shown = page?.client ?: c
    // The whole client, as the phone holds it: what the form does not show is saved unchanged.
    var form by remember(shown) { mutableStateOf(ClientForm.edit(shown)) }
    val visits = page?.visits.orEmpty()
    val scope = rememberCoroutineScope()
    val today = LocalDate.now()
    val input = form.input
    val problems = form.problems(lang, today)
    fun problem(field: String) = problems.firstOrNull { it.field == field }?.let { p ->
        @Composable { Text(p.text, color = MaterialTheme.colorScheme.error) }
    }
    Column(verticalArrangement = Arrangement.spacedBy(6.dp)) {
        if (shown.protectedIdentity) Text("${shown.code} · ${shown.name}", style = MaterialTheme.typography.titleMedium)
        OutlinedTextField(input.code, { form = form.copy(input = input.copy(code = it.uppercase())) },
            label = { Text(stringResource(R.string.client_code)) }, singleLine = true, supportingText = problem("code"))
        OutlinedTextField(input.name, { form = form.copy(input = input.copy(name = it)) },
            label = { Text(stringResource(R.string.client_name)) }, singleLine = true, supportingText = problem("name"))
        Text(stringResource(R.string.client_phase), style = MaterialTheme.typography.titleSmall)
        FlowRow(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
            Phase.entries.forEach { p ->
                FilterChip(selected = input.phase == p, onClick = { form = form.withPhase(p, today) }, label = { Text(Labels.phase(p, lang)) })
            }
        }
        if (input.phase == Phase.CLOSED) {
            Text(stringResource(R.string.client_closure), style = MaterialTheme.typography.titleSmall)
            FlowRow(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
                ClosureReason.entries.forEach { r ->
                    FilterChip(selected = input.closure == r, onClick = { form = form.withClosure(r) }, label = { Text(Labels.closure(r, lang)) })
                }
            }
            problem("closure")?.invoke()
            OutlinedTextField(input.closedReason ?: "", { form = form.copy(input = input.copy(closedReason = it)) },
                label = { Text(stringResource(R.string.client_closed_reason)) }, supportingText = problem("closed_reason"))
            OutlinedTextField(input.closedOn ?: "", { form = form.copy(input = input.copy(closedOn = it.trim().ifEmpty { null })) },
                label = { Text(stringResource(R.string.client_closed_on)) }, singleLine = true, supportingText = problem("closed_on"))
        }
        Row(verticalAlignment = Alignment.CenterVertically, horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            OutlinedTextField(input.admitted ?: "", { form = form.withAdmitted(it) },
                label = { Text(stringResource(R.string.client_admitted)) }, singleLine = true,
                supportingText = problem("admitted") ?: form.admissionFlag(lang)?.let { flag -> @Composable { Text(flag) } },
                modifier = Modifier.weight(1f))
            if (form.admissionEstimated) OutlinedButton(onClick = { form = form.confirmAdmission() }) { Text(stringResource(R.string.client_admitted_confirm)) }
        }
        Text(stringResource(R.string.client_referral), style = MaterialTheme.typography.titleSmall)
        FlowRow(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
            Referral.entries.forEach { r ->
                FilterChip(selected = input.referral == r, onClick = {
                    form = form.copy(input = input.copy(referral = if (input.referral == r) null else r))
                }, label = { Text(Labels.referral(r, lang)) })
            }
        }
        // Colleagues from the team list (teamMembers); a name already on the client stays offered.
        val people = (team.map { it.username to it.name } +
            listOfNotNull(input.contactPerson, input.deputy).filter { u -> team.none { it.username == u } }.map { it to it })
        Text(stringResource(R.string.client_contact_person), style = MaterialTheme.typography.titleSmall)
        FlowRow(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
            people.forEach { (username, name) ->
                FilterChip(selected = input.contactPerson == username, onClick = {
                    form = form.withContactPerson(if (input.contactPerson == username) null else username)
                }, label = { Text(name) })
            }
        }
        Text(stringResource(R.string.client_deputy), style = MaterialTheme.typography.titleSmall)
        FlowRow(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
            people.filter { it.first != input.contactPerson }.forEach { (username, name) ->
                FilterChip(selected = input.deputy == username, onClick = {
                    form = form.withDeputy(if (input.deputy == username) null else username)
                }, label = { Text(name) })
            }
        }
        problem("deputy")?.invoke()
        Row(verticalAlignment = Alignment.CenterVertically) {
            Switch(checked = input.protectedIdentity, onCheckedChange = { form = form.copy(input = input.copy(protectedIdentity = it)) })
            Text(stringResource(R.string.client_protected), Modifier.padding(start = 8.dp))
        }
        Text(ClientForm.protectedWarning(lang), style = MaterialTheme.typography.bodySmall,
            color = if (input.protectedIdentity) MaterialTheme.colorScheme.error else MaterialTheme.colorScheme.onSurfaceVariant)
        FlowRow(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
            ConsentState.entries.forEach { s ->
                FilterChip(selected = input.consent == s, onClick = { form = form.withConsent(s, today) }, label = { Text(Labels.consent(s, lang)) })
            }
        }
        OutlinedTextField(input.nextContact ?: "", { form = form.copy(input = input.copy(nextContact = it.trim().ifEmpty { null })) },
            label = { Text(stringResource(R.string.client_next)) }, singleLine = true)
        Button(onClick = { onSave(form.toInput()) }, enabled = problems.isEmpty()) { Text(stringResource(R.string.save)) }
        // Outcomes (a stay in care, housing, the yearly satisfaction answer) on their own screen.
        OutlinedButton(onClick = { onOutcomes(c.id) }) { Text(stringResource(R.string.outcome_add)) }
        // The last 30 days' contacts as text for the journal system (the core logs the export).
        val clipboard = LocalClipboardManager.current
        OutlinedButton(onClick = {
            scope.launch { runCatching { journalText(c.id) }.onSuccess { clipboard.setText(AnnotatedString(it)) } }
        }) { Text(if (lang == Lang.SV) "Kopiera till journalen" else "Copy for the journal") }
        Text(stringResource(R.string.client_history), style = MaterialTheme.typography.titleSmall)
        visits.take(10).forEach { v -> Text(visitLine(v, lang)) }
        // The driver's trips to the client (linked to its contacts or naming its code), newest first.
        val trips = page?.trips.orEmpty()
        if (trips.isNotEmpty()) {
            Text(stringResource(R.string.client_trips), style = MaterialTheme.typography.titleSmall)
            trips.takeLast(10).asReversed().forEach { t -> Text(ClientPage.tripLine(t, lang, java.time.ZoneId.systemDefault())) }
        }
        // "Visa äldre": contacts and outcomes from before the phone's window, from the server.
        page?.let { p ->
            p.older.visits.forEach { v -> Text(visitLine(v, lang)) }
            p.older.outcomes.forEach { o ->
                Text("${Format.shortDate(o.day, lang) ?: o.day} · ${OutcomeLabels.kind(o.kind, lang)}")
            }
            p.older.error?.let { Text(it, color = MaterialTheme.colorScheme.error) }
            val window = p.window
            if (p.canShowOlder && window != null) {
                OutlinedButton(onClick = { scope.launch { page = loadOlder(p) } }) { Text(ClientPage.olderLabel(window, lang)) }
            }
        }
    }
}

private fun visitLine(v: VisitItem, lang: Lang): String {
    val kind = Labels.contact(v.contact, lang) + when {
        !v.clientPresent -> " · " + Labels.clientAbsent(lang)
        v.group -> " · " + Labels.groupContact(lang)
        else -> ""
    }
    val day = java.time.Instant.ofEpochMilli(v.startMs).atZone(java.time.ZoneId.systemDefault()).toLocalDate().toString()
    return "${Format.shortDate(day, lang)} ${Format.clock(v.startMs)} · $kind · ${Format.minutes(v.minutes, lang)}"
}
