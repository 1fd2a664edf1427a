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
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import se.uppsok.app.R
import se.uppsok.app.UiState
import se.uppsok.app.core.Format
import se.uppsok.app.core.Labels
import se.uppsok.app.core.Lang
import se.uppsok.app.core.VisitForm
import se.uppsok.core.ContactKind
import se.uppsok.core.Setting

/** Log a visit in a few taps: recent client, contact kind, setting, minutes, place. */
@OptIn(ExperimentalLayoutApi::class)
@Composable
fun LogVisitScreen(state: UiState, lang: Lang, onSave: (VisitForm) -> Unit, onCancel: () -> Unit) {
    var form by remember { mutableStateOf(VisitForm(client = state.recentClients.firstOrNull())) }
    var staffText by remember { mutableStateOf("") }
    Column(Modifier.padding(16.dp).verticalScroll(rememberScrollState()), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        Text(stringResource(R.string.visit_recent_clients), style = MaterialTheme.typography.titleSmall)
        FlowRow(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
            state.recentClients.forEach { c ->
                FilterChip(selected = form.client?.id == c.id, onClick = { form = form.copy(client = c) }, label = { Text(c.code) })
            }
        }
        Text(stringResource(R.string.visit_contact), style = MaterialTheme.typography.titleSmall)
        FlowRow(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
            ContactKind.entries.forEach { k ->
                FilterChip(selected = form.contact == k, onClick = { form = form.withContact(k) }, label = { Text(Labels.contact(k, lang)) })
            }
        }
        if (form.contact == ContactKind.FACE_TO_FACE || form.contact == ContactKind.ATTEMPTED) {
            Text(stringResource(R.string.visit_setting), style = MaterialTheme.typography.titleSmall)
            FlowRow(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
                Setting.entries.forEach { s ->
                    FilterChip(selected = form.setting == s, onClick = { form = form.copy(setting = s) }, label = { Text(Labels.setting(s, lang)) })
                }
            }
        }
        Text(stringResource(R.string.visit_minutes), style = MaterialTheme.typography.titleSmall)
        FlowRow(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
            VisitForm.MINUTE_CHOICES.forEach { m ->
                FilterChip(selected = form.minutes == m, onClick = { form = form.copy(minutes = m) }, label = { Text(Format.minutes(m, lang)) })
            }
        }
        Text(stringResource(R.string.visit_place), style = MaterialTheme.typography.titleSmall)
        FlowRow(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
            state.places.forEach { p ->
                FilterChip(selected = form.place == p.name, onClick = { form = form.copy(place = p.name) }, label = { Text(p.name) })
            }
        }
        OutlinedTextField(
            value = staffText,
            onValueChange = { text ->
                staffText = text
                form = form.copy(staff = text.split(',', ' ').map { it.trim() }.filter { it.isNotEmpty() })
            },
            label = { Text(stringResource(R.string.visit_staff)) },
        )
        Row {
            Switch(checked = form.network, onCheckedChange = { form = form.copy(network = it) })
            Text(stringResource(R.string.visit_network), Modifier.padding(start = 8.dp))
        }
        OutlinedTextField(value = form.note, onValueChange = { form = form.copy(note = it) },
            label = { Text(stringResource(R.string.visit_note)) }, minLines = 2)
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            OutlinedButton(onClick = onCancel) { Text(stringResource(R.string.cancel)) }
            Button(onClick = { onSave(form) }, enabled = form.client != null) { Text(stringResource(R.string.save)) }
        }
    }
}
