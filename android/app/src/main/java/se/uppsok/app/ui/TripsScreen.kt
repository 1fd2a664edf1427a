package se.uppsok.app.ui

import android.Manifest
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Button
import androidx.compose.material3.FilterChip
import androidx.compose.material3.HorizontalDivider
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
import se.uppsok.app.core.Format
import se.uppsok.app.core.Lang
import se.uppsok.app.core.TripEntry
import se.uppsok.app.core.TripForm

/** Start/stop a GPS trip, or log one with typed km or odometer readings; the month's trips. */
@Composable
fun TripsScreen(
    state: UiState,
    lang: Lang,
    onStart: (from: String, purpose: String, serviceCar: String?) -> Unit,
    onFinish: (to: String) -> Unit,
    onLog: (TripForm) -> Unit,
) {
    var form by remember { mutableStateOf(TripForm()) }
    var locationNeeded by remember { mutableStateOf(false) }
    // Fine and coarse are asked together (Android 12+ ignores a fine-only request); measuring the
    // distance needs precise location, so approximate only is answered with a notice, as is a
    // refusal. Notifications are optional.
    val permission = rememberLauncherForActivityResult(ActivityResultContracts.RequestMultiplePermissions()) { granted ->
        locationNeeded = granted[Manifest.permission.ACCESS_FINE_LOCATION] != true
        if (!locationNeeded) onStart(form.fromPlace, form.purpose, form.serviceCar)
    }
    Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        OutlinedTextField(form.fromPlace, { form = form.copy(fromPlace = it) }, label = { Text(stringResource(R.string.trip_from)) })
        OutlinedTextField(form.toPlace, { form = form.copy(toPlace = it) }, label = { Text(stringResource(R.string.trip_to)) })
        OutlinedTextField(form.purpose, { form = form.copy(purpose = it) }, label = { Text(stringResource(R.string.trip_purpose)) })
        OutlinedTextField(form.serviceCar ?: "", { form = form.copy(serviceCar = it) },
            label = { Text(stringResource(R.string.trip_service_car)) })
        val km = state.recordingKm
        if (km == null) {
            Button(onClick = {
                permission.launch(
                    arrayOf(
                        Manifest.permission.ACCESS_FINE_LOCATION,
                        Manifest.permission.ACCESS_COARSE_LOCATION,
                        Manifest.permission.POST_NOTIFICATIONS,
                    ),
                )
            }) { Text(stringResource(R.string.trip_start)) }
            if (locationNeeded) {
                Text(stringResource(R.string.trip_location_needed), color = MaterialTheme.colorScheme.error)
            }
        } else {
            Text("${stringResource(R.string.trip_recording)}: $km", style = MaterialTheme.typography.titleMedium)
            Button(onClick = { onFinish(form.toPlace) }) { Text(stringResource(R.string.trip_stop)) }
        }
        HorizontalDivider()
        Row(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
            FilterChip(form.entry == TripEntry.MANUAL, { form = form.copy(entry = TripEntry.MANUAL) },
                label = { Text(stringResource(R.string.trip_manual)) })
            FilterChip(form.entry == TripEntry.ODOMETER, { form = form.copy(entry = TripEntry.ODOMETER) },
                label = { Text(stringResource(R.string.trip_odometer)) })
        }
        if (form.entry == TripEntry.MANUAL) {
            OutlinedTextField(form.kmText, { form = form.copy(kmText = it) }, label = { Text(stringResource(R.string.trip_km)) })
        } else {
            OutlinedTextField(form.odometerStartText, { form = form.copy(odometerStartText = it) },
                label = { Text(stringResource(R.string.trip_odometer_start)) })
            OutlinedTextField(form.odometerEndText, { form = form.copy(odometerEndText = it) },
                label = { Text(stringResource(R.string.trip_odometer_end)) })
        }
        Button(onClick = { onLog(form.copy(startMs = System.currentTimeMillis())) }) { Text(stringResource(R.string.save)) }
        LazyColumn {
            items(state.trips, key = { it.id }) { t ->
                ListItem(
                    headlineContent = { Text("${t.fromPlace} → ${t.toPlace}") },
                    supportingContent = { Text("${Format.km(t.km, lang)} · ${t.purpose}") },
                )
            }
        }
    }
}
