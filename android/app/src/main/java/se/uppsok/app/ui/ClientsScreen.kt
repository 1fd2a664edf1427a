package se.uppsok.app.ui

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Button
import androidx.compose.material3.ListItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
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
import se.uppsok.core.ClientInput
import se.uppsok.core.Phase
import se.uppsok.core.ConsentState

/** Clients, the longest without contact first, with the next planned contact. */
@Composable
fun ClientsScreen(state: UiState, onAdd: (ClientInput) -> Unit) {
    var code by remember { mutableStateOf("") }
    var name by remember { mutableStateOf("") }
    Column(Modifier.padding(16.dp)) {
        Text(stringResource(R.string.clients_title), style = MaterialTheme.typography.headlineSmall)
        Row {
            OutlinedTextField(code, { code = it.uppercase() }, label = { Text(stringResource(R.string.client_code)) },
                modifier = Modifier.weight(1f))
            OutlinedTextField(name, { name = it }, label = { Text(stringResource(R.string.client_name)) },
                modifier = Modifier.weight(1f))
        }
        Button(onClick = {
            onAdd(ClientInput(null, code, name, Phase.INTAKE, null, null, ConsentState.NOT_RECORDED, null))
            code = ""
            name = ""
        }) { Text(stringResource(R.string.client_add)) }
        LazyColumn {
            items(state.clientRows, key = { it.id }) { row ->
                ListItem(
                    headlineContent = { Text("${row.code} · ${row.name}") },
                    supportingContent = {
                        Column {
                            Text(stringResource(R.string.clients_last_contact, row.lastContact))
                            row.nextContact?.let { Text(stringResource(R.string.clients_next_contact, it)) }
                            if (row.overdue) Text(stringResource(R.string.clients_overdue), color = MaterialTheme.colorScheme.error)
                        }
                    },
                )
            }
        }
    }
}
