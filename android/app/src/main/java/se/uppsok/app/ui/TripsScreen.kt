package se.uppsok.app.ui

import android.Manifest
import android.app.Activity
import android.content.Intent
import android.net.Uri
import android.provider.Settings
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Button
import androidx.compose.material3.Checkbox
import androidx.compose.material3.FilterChip
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.ListItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.core.app.ActivityCompat
import se.uppsok.app.R
import se.uppsok.app.UiState
import se.uppsok.app.core.FinishOutcome
import se.uppsok.app.core.Format
import se.uppsok.app.core.Lang
import se.uppsok.app.core.LocationGrant
import se.uppsok.app.core.MonthTotals
import se.uppsok.app.core.SuggestedKm
import se.uppsok.app.core.TripEntry
import se.uppsok.app.core.TripForm
import se.uppsok.core.TripItem
import java.time.YearMonth
import java.time.ZoneId

/**
 * Start, finish or cancel a GPS trip; log one by typed km or odometer readings; this month's
 * trips, each with edit (places, errand and car; the distance kept as saved unless another is
 * chosen) and delete. Thin glue: the permission answer goes to TripFlow (through the model), which starts
 * only with precise location and otherwise says why; a finish that GPS cannot make asks for the
 * odometer readings, with cancel always there. The form is rememberSaveable.
 */
@Composable
fun TripsScreen(
    state: UiState,
    lang: Lang,
    onStart: (LocationGrant, TripForm) -> Unit,
    onFinish: (to: String) -> Unit,
    onFinishOdometer: (to: String, start: Int?, end: Int) -> Unit,
    onCancelTrip: () -> Unit,
    onLog: (TripForm, onSaved: () -> Unit) -> Unit,
    onDelete: (String) -> Unit,
    onSuggest: (from: String, to: String) -> Unit,
    onConfirm: (TripItem) -> Unit,
) {
    val context = LocalContext.current
    var entry by rememberSaveable { mutableStateOf(TripEntry.MANUAL) }
    var kmText by rememberSaveable { mutableStateOf("") }
    var odoStart by rememberSaveable { mutableStateOf("") }
    var odoEnd by rememberSaveable { mutableStateOf("") }
    var from by rememberSaveable { mutableStateOf("") }
    var to by rememberSaveable { mutableStateOf("") }
    var purpose by rememberSaveable { mutableStateOf("Hembesök") }
    var car by rememberSaveable { mutableStateOf("") }
    var fromHome by rememberSaveable { mutableStateOf(false) }
    var suggestionOk by rememberSaveable { mutableStateOf(false) }
    // Editing a saved trip: the form starts from it (TripForm.edit keeps its id, times, links
    // and its distance as saved); the fields above hold what the driver changes.
    var editingId by rememberSaveable { mutableStateOf<String?>(null) }
    val editing = state.trips.firstOrNull { it.id == editingId }
    val form = (editing?.let { TripForm.edit(it, lang) } ?: TripForm()).copy(
        entry = entry, kmText = kmText, odometerStartText = odoStart, odometerEndText = odoEnd,
        fromPlace = from, toPlace = to, purpose = purpose, serviceCar = car,
        fromHome = fromHome, suggestionConfirmed = suggestionOk,
    )
    fun fill(f: TripForm, id: String?) {
        editingId = id
        entry = f.entry; kmText = f.kmText; odoStart = f.odometerStartText; odoEnd = f.odometerEndText
        from = f.fromPlace; to = f.toPlace; purpose = f.purpose; car = f.serviceCar ?: ""
        fromHome = f.fromHome; suggestionOk = f.suggestionConfirmed
    }
    // Fine and coarse together (Android 12+ ignores a fine-only request); notifications optional.
    val permission = rememberLauncherForActivityResult(ActivityResultContracts.RequestMultiplePermissions()) { granted ->
        val activity = context as? Activity
        val canAskAgain = activity != null &&
            ActivityCompat.shouldShowRequestPermissionRationale(activity, Manifest.permission.ACCESS_FINE_LOCATION)
        onStart(
            LocationGrant.of(
                fine = granted[Manifest.permission.ACCESS_FINE_LOCATION] == true,
                coarse = granted[Manifest.permission.ACCESS_COARSE_LOCATION] == true,
                canAskAgain = canAskAgain,
            ),
            form,
        )
    }
    fun ask() = permission.launch(
        arrayOf(
            Manifest.permission.ACCESS_FINE_LOCATION,
            Manifest.permission.ACCESS_COARSE_LOCATION,
            Manifest.permission.POST_NOTIFICATIONS,
        ),
    )
    Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        OutlinedTextField(from, { from = it }, label = { Text(stringResource(R.string.trip_from)) }, singleLine = true)
        OutlinedTextField(to, { to = it }, label = { Text(stringResource(R.string.trip_to)) }, singleLine = true)
        OutlinedTextField(purpose, { purpose = it }, label = { Text(stringResource(R.string.trip_purpose)) }, singleLine = true)
        OutlinedTextField(car, { car = it }, label = { Text(stringResource(R.string.trip_service_car)) }, singleLine = true)
        Row(verticalAlignment = Alignment.CenterVertically) {
            Checkbox(fromHome, { fromHome = it })
            Text(stringResource(R.string.trip_from_home))
        }
        state.tripNotice?.let { notice ->
            Text(notice, color = MaterialTheme.colorScheme.error)
            Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                TextButton(onClick = { ask() }) { Text(stringResource(R.string.trip_ask_again)) }
                TextButton(onClick = {
                    context.startActivity(Intent(Settings.ACTION_APPLICATION_DETAILS_SETTINGS, Uri.fromParts("package", context.packageName, null)))
                }) { Text(stringResource(R.string.trip_open_settings)) }
            }
        }
        val km = state.recordingKm
        if (km == null) {
            Button(onClick = { ask() }) { Text(stringResource(R.string.trip_start)) }
        } else {
            Text("${stringResource(R.string.trip_recording)}: $km", style = MaterialTheme.typography.titleMedium)
            when (val f = state.tripFinish) {
                is FinishOutcome.NeedsPlace -> Text(f.text, color = MaterialTheme.colorScheme.error)
                is FinishOutcome.NeedsOdometer -> {
                    Text(f.text, color = MaterialTheme.colorScheme.error)
                    if (!f.startKnown) {
                        OutlinedTextField(odoStart, { odoStart = it }, label = { Text(stringResource(R.string.trip_odometer_start)) }, singleLine = true)
                    }
                    OutlinedTextField(odoEnd, { odoEnd = it }, label = { Text(stringResource(R.string.trip_odometer_end)) }, singleLine = true)
                    Button(onClick = {
                        val end = odoEnd.filter { it.isDigit() }.toIntOrNull()
                        if (end != null) onFinishOdometer(to, odoStart.filter { it.isDigit() }.toIntOrNull(), end)
                    }) { Text(stringResource(R.string.trip_finish_odometer)) }
                }
                else -> Unit
            }
            Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                Button(onClick = { onFinish(to) }) { Text(stringResource(R.string.trip_stop)) }
                OutlinedButton(onClick = onCancelTrip) { Text(stringResource(R.string.trip_cancel)) }
            }
        }
        HorizontalDivider()
        if (editing != null) {
            Row(verticalAlignment = Alignment.CenterVertically, horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                Text("${stringResource(R.string.edit)}: ${editing.fromPlace} → ${editing.toPlace}", style = MaterialTheme.typography.titleSmall)
                TextButton(onClick = { fill(TripForm(), null) }) { Text(stringResource(R.string.trip_new)) }
            }
        }
        Row(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
            if (editing != null) {
                FilterChip(entry == TripEntry.AS_SAVED, { entry = TripEntry.AS_SAVED }, label = { Text(stringResource(R.string.trip_as_saved)) })
            }
            FilterChip(entry == TripEntry.MANUAL, { entry = TripEntry.MANUAL }, label = { Text(stringResource(R.string.trip_manual)) })
            FilterChip(entry == TripEntry.ODOMETER, { entry = TripEntry.ODOMETER }, label = { Text(stringResource(R.string.trip_odometer)) })
            FilterChip(entry == TripEntry.SUGGESTED, { entry = TripEntry.SUGGESTED; suggestionOk = false; onSuggest(from, to) }, label = { Text(stringResource(R.string.trip_suggested)) })
        }
        when (entry) {
            TripEntry.MANUAL -> OutlinedTextField(kmText, { kmText = it }, label = { Text(stringResource(R.string.trip_km)) }, singleLine = true)
            TripEntry.ODOMETER -> {
                OutlinedTextField(odoStart, { odoStart = it }, label = { Text(stringResource(R.string.trip_odometer_start)) }, singleLine = true)
                OutlinedTextField(odoEnd, { odoEnd = it }, label = { Text(stringResource(R.string.trip_odometer_end)) }, singleLine = true)
            }
            TripEntry.SUGGESTED -> {
                state.tripSuggestion?.let { Text(it) }
                Row(verticalAlignment = Alignment.CenterVertically) {
                    Checkbox(suggestionOk, { suggestionOk = it })
                    Text(stringResource(R.string.trip_suggestion_ok))
                }
            }
            TripEntry.AS_SAVED -> form.savedDistance?.let { Text(it) }
        }
        Button(onClick = {
            // An edit ends once saved; a refused one stays on the form with the message.
            onLog(form.forSave(System.currentTimeMillis())) { if (editingId != null) fill(TripForm(), null) }
        }) { Text(stringResource(R.string.save)) }
        val month = MonthTotals.of(state.trips, YearMonth.now(), ZoneId.systemDefault())
        Text(stringResource(R.string.trips_month, Format.km(month.km, lang), month.trips), style = MaterialTheme.typography.titleSmall)
        // The amount as payroll will pay it (the core prices the month with the synced rates).
        MonthTotals.amountLine(state.monthPay, lang)?.let { Text(it, style = MaterialTheme.typography.bodyMedium) }
        SuggestedKm.banner(state.trips, lang)?.let { Text(it, color = MaterialTheme.colorScheme.error) }
        LazyColumn {
            items(state.trips, key = { it.id }) { t ->
                ListItem(
                    headlineContent = { Text("${t.fromPlace} → ${t.toPlace}") },
                    supportingContent = {
                        Text((listOf("${Format.km(t.km, lang)} · ${t.purpose}") + SuggestedKm.marks(t, lang)).joinToString(" · "))
                    },
                    trailingContent = {
                        Row {
                            if (t.awaitsConfirmation) TextButton(onClick = { onConfirm(t) }) { Text(stringResource(R.string.trip_confirm)) }
                            TextButton(onClick = { fill(TripForm.edit(t, lang), t.id) }) { Text(stringResource(R.string.edit)) }
                            TextButton(onClick = { onDelete(t.id) }) { Text(stringResource(R.string.delete)) }
                        }
                    },
                )
            }
        }
    }
}
