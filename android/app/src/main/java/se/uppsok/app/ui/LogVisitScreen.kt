package se.uppsok.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.FilterChip
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Switch
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableIntStateOf
import androidx.compose.runtime.mutableLongStateOf
import androidx.compose.runtime.mutableStateOf
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
import se.uppsok.app.core.VisitForm
import se.uppsok.core.ContactKind
import se.uppsok.core.Setting
import se.uppsok.core.VisitItem
import se.uppsok.core.searchGazetteer
import java.time.ZoneId

/**
 * Log a visit, or edit one ([editing]): any client of the caseload (searched with ClientPicker, "Mina klienter"
 * first, none chosen until the user chooses), contact kind, setting, whether the client took part (a network-only
 * contact is never an attempt) and whether it was a group contact, the time it began (today's visits logged at lunch),
 * minutes, colleagues from the team list, place from the team's list or the gazetteer. Every
 * field is in rememberSaveable state, so a draft survives rotation, tab switches (the tabs save
 * their state) and process death.
 */
@OptIn(ExperimentalLayoutApi::class)
@Composable
fun LogVisitScreen(state: UiState, lang: Lang, editing: VisitItem?, onSave: (VisitForm) -> Unit, onCancel: () -> Unit) {
    // A new visit, or every field of the one being edited (same id).
    val initial = editing?.let { v -> VisitForm.edit(v, state.clients.firstOrNull { it.id == v.clientId }) } ?: VisitForm()
    var clientId by rememberSaveable { mutableStateOf(editing?.clientId) }
    var query by rememberSaveable { mutableStateOf("") }
    var contact by rememberSaveable { mutableStateOf(initial.contact) }
    var setting by rememberSaveable { mutableStateOf(initial.setting) }
    var minutes by rememberSaveable { mutableIntStateOf(initial.minutes) }
    var startMs by rememberSaveable { mutableLongStateOf(initial.startMs) }
    var timeText by rememberSaveable { mutableStateOf(Format.clock(initial.startMs)) }
    var place by rememberSaveable { mutableStateOf(initial.place) }
    var placeQuery by rememberSaveable { mutableStateOf("") }
    var staff by rememberSaveable { mutableStateOf(initial.staff) }
    var network by rememberSaveable { mutableStateOf(initial.network) }
    var clientPresent by rememberSaveable { mutableStateOf(initial.clientPresent) }
    var group by rememberSaveable { mutableStateOf(initial.group) }
    var note by rememberSaveable { mutableStateOf(initial.note) }
    val zone = ZoneId.systemDefault()
    val client = state.clients.firstOrNull { it.id == clientId }
    val form = VisitForm(
        client = client, contact = contact, setting = setting, minutes = minutes, place = place,
        staff = staff, network = network, clientPresent = clientPresent, group = group, note = note, startMs = startMs,
        id = editing?.id,
    )
    fun apply(next: VisitForm) {
        contact = next.contact
        setting = next.setting
        network = next.network
        clientPresent = next.clientPresent
    }
    Column(Modifier.padding(16.dp).verticalScroll(rememberScrollState()), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        Text(stringResource(R.string.visit_client), style = MaterialTheme.typography.titleSmall)
        OutlinedTextField(query, { query = it }, label = { Text(stringResource(R.string.visit_search)) }, singleLine = true)
        // "Mina klienter" (contact person or deputy) first, under their heading.
        var shown = 0
        ClientPicker.sections(state.clients, query, state.recentIds, lang).forEach { section ->
            val chips = section.clients.take(12 - shown)
            shown += chips.size
            if (chips.isNotEmpty()) {
                section.title?.let { Text(it, style = MaterialTheme.typography.labelLarge) }
                FlowRow(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
                    chips.forEach { c ->
                        FilterChip(selected = c.id == clientId, onClick = { clientId = c.id }, label = { Text(Labels.client(c, lang)) })
                    }
                }
            }
        }
        Text(stringResource(R.string.visit_contact), style = MaterialTheme.typography.titleSmall)
        FlowRow(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
            // No attempt for a network-only contact.
            form.contactChoices().forEach { k ->
                FilterChip(selected = contact == k, onClick = { apply(form.withContact(k)) }, label = { Text(Labels.contact(k, lang)) })
            }
        }
        if (contact == ContactKind.FACE_TO_FACE || contact == ContactKind.ATTEMPTED) {
            Text(stringResource(R.string.visit_setting), style = MaterialTheme.typography.titleSmall)
            FlowRow(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
                Setting.entries.forEach { s ->
                    FilterChip(selected = setting == s, onClick = { setting = s }, label = { Text(Labels.setting(s, lang)) })
                }
            }
        }
        OutlinedTextField(timeText, { text ->
            timeText = text
            Format.parseClock(text)?.let { (h, m) -> startMs = form.atTime(h, m, zone).startMs }
        }, label = { Text(stringResource(R.string.visit_time)) }, singleLine = true)
        Text(stringResource(R.string.visit_minutes), style = MaterialTheme.typography.titleSmall)
        FlowRow(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
            VisitForm.MINUTE_CHOICES.forEach { m ->
                FilterChip(selected = minutes == m, onClick = { minutes = m }, label = { Text(Format.minutes(m, lang)) })
            }
        }
        Text(stringResource(R.string.visit_place), style = MaterialTheme.typography.titleSmall)
        OutlinedTextField(placeQuery, { placeQuery = it }, label = { Text(stringResource(R.string.visit_place_search)) }, singleLine = true)
        // The team's places first; the gazetteer for a team that has none yet, or a new place.
        val teamPlaces = state.places.map { it.name }.filter { placeQuery.isBlank() || ClientPicker.fold(it).startsWith(ClientPicker.fold(placeQuery)) }
        val gazetteer = if (placeQuery.length >= 2) searchGazetteer(placeQuery, 8).map { it.name } else emptyList()
        FlowRow(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
            (teamPlaces + gazetteer).distinct().take(12).forEach { name ->
                FilterChip(selected = place == name, onClick = { place = if (place == name) null else name }, label = { Text(name) })
            }
        }
        if (state.team.isNotEmpty()) {
            Text(stringResource(R.string.visit_staff), style = MaterialTheme.typography.titleSmall)
            FlowRow(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
                state.team.filter { it.username != state.profile?.username }.forEach { m ->
                    FilterChip(selected = m.username in staff, onClick = {
                        staff = form.withStaff(m.username, m.username !in staff).staff
                    }, label = { Text(m.name) })
                }
            }
        }
        Row {
            Switch(checked = network, onCheckedChange = { network = it })
            Text(stringResource(R.string.visit_network), Modifier.padding(start = 8.dp))
        }
        Row {
            Switch(checked = !clientPresent, onCheckedChange = { apply(form.withClientPresent(!it)) })
            Text(Labels.clientAbsent(lang), Modifier.padding(start = 8.dp))
        }
        Row {
            Switch(checked = group, onCheckedChange = { group = it })
            Text(Labels.groupContact(lang), Modifier.padding(start = 8.dp))
        }
        form.problems(lang).filter { it.field == "network" || it.field == "client_present" }.forEach {
            Text(it.text, color = MaterialTheme.colorScheme.error)
        }
        OutlinedTextField(value = note, onValueChange = { note = it },
            label = { Text(stringResource(R.string.visit_note)) }, minLines = 2)
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            OutlinedButton(onClick = onCancel) { Text(stringResource(R.string.cancel)) }
            Button(onClick = { onSave(form) }, enabled = client != null) { Text(stringResource(R.string.save)) }
        }
    }
}
