package se.uppsok.app.ui

import android.Manifest
import android.content.pm.PackageManager
import android.os.Build
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.safeDrawingPadding
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.DirectionsCar
import androidx.compose.material.icons.filled.People
import androidx.compose.material.icons.filled.Settings
import androidx.compose.material.icons.filled.Sync
import androidx.compose.material.icons.filled.Today
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.Icon
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.NavigationBar
import androidx.compose.material3.NavigationBarItem
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.vector.ImageVector
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.core.content.ContextCompat
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.navigation.NavGraph.Companion.findStartDestination
import androidx.navigation.NavType
import androidx.navigation.compose.NavHost
import androidx.navigation.compose.composable
import androidx.navigation.compose.currentBackStackEntryAsState
import androidx.navigation.compose.rememberNavController
import androidx.navigation.navArgument
import se.uppsok.app.AppViewModel
import se.uppsok.app.core.Gate
import se.uppsok.app.R

private data class Tab(val route: String, val label: Int, val icon: ImageVector)

private val tabs = listOf(
    Tab("today", R.string.nav_today, Icons.Filled.Today),
    Tab("clients", R.string.nav_clients, Icons.Filled.People),
    Tab("trips", R.string.nav_trips, Icons.Filled.DirectionsCar),
    Tab("sync", R.string.nav_sync, Icons.Filled.Sync),
    Tab("settings", R.string.nav_settings, Icons.Filled.Settings),
)

/** The gate (enrolment, lock) and the tabbed main screens; the gate's rules are AppGate's. */
@Composable
fun UppsokRoot(model: AppViewModel, onUnlock: () -> Unit, onOpenSecuritySettings: () -> Unit) {
    val state by model.state.collectAsStateWithLifecycle()
    MaterialTheme {
        state.message?.let { text ->
            AlertDialog(
                onDismissRequest = model::dismissMessage,
                confirmButton = { TextButton(onClick = model::dismissMessage) { Text("OK") } },
                text = { Text(text) },
            )
        }
        // Edge to edge (targetSdk 35): the content keeps clear of the system bars itself.
        Box(Modifier.fillMaxSize().safeDrawingPadding()) {
            val notice = state.gate.notice?.text(model.lang)
            when (state.gate.gate) {
                Gate.LOADING -> Box(Modifier.fillMaxSize(), contentAlignment = Alignment.Center) { CircularProgressIndicator() }
                Gate.ENROL -> EnrolScreen(prefill = state.enrolPrefill, notice = notice, onEnrol = model::enrol)
                Gate.LOCKED -> LockScreen(notice = notice, onUnlock = onUnlock, onOpenSettings = onOpenSecuritySettings)
                Gate.OPEN -> MainScreens(model)
            }
        }
    }
}

@Composable
private fun MainScreens(model: AppViewModel) {
    val nav = rememberNavController()
    val entry by nav.currentBackStackEntryAsState()
    val state by model.state.collectAsStateWithLifecycle()
    // Tabs keep their state (a half-filled form survives a tab switch).
    fun go(route: String) = nav.navigate(route) {
        popUpTo(nav.graph.findStartDestination().id) { saveState = true }
        launchSingleTop = true
        restoreState = true
    }
    LaunchedEffect(state.showTrips) { if (state.showTrips > 0) go("trips") }
    // Reminders of planned contacts are notifications: Android 13+ asks for them once.
    val context = LocalContext.current
    val notifications = rememberLauncherForActivityResult(ActivityResultContracts.RequestPermission()) { }
    LaunchedEffect(Unit) {
        if (Build.VERSION.SDK_INT >= 33 &&
            ContextCompat.checkSelfPermission(context, Manifest.permission.POST_NOTIFICATIONS) != PackageManager.PERMISSION_GRANTED
        ) {
            notifications.launch(Manifest.permission.POST_NOTIFICATIONS)
        }
    }
    Scaffold(
        bottomBar = {
            NavigationBar {
                tabs.forEach { tab ->
                    NavigationBarItem(
                        selected = entry?.destination?.route == tab.route,
                        onClick = { go(tab.route) },
                        icon = { Icon(tab.icon, contentDescription = null) },
                        label = { Text(stringResource(tab.label)) },
                    )
                }
            }
        },
    ) { padding ->
        NavHost(nav, startDestination = "today", modifier = Modifier.padding(padding)) {
            composable("today") {
                TodayScreen(
                    state, lang = model.lang, onLogVisit = { nav.navigate("log-visit") },
                    onEditVisit = { id -> nav.navigate("log-visit?edit=$id") }, onSync = model::syncNow,
                    onDeleteVisit = model::deleteVisit,
                )
            }
            composable(
                "log-visit?edit={edit}",
                arguments = listOf(navArgument("edit") { type = NavType.StringType; nullable = true; defaultValue = null }),
            ) { back ->
                val editId = back.arguments?.getString("edit")
                LogVisitScreen(
                    state, lang = model.lang, editing = state.today.firstOrNull { it.id == editId },
                    onSave = { form -> model.logVisit(form) { nav.popBackStack() } }, onCancel = { nav.popBackStack() },
                )
            }
            composable("clients") {
                ClientsScreen(
                    state, lang = model.lang, onSave = model::saveClient, loadPage = model::clientPage, loadOlder = model::olderHistory,
                    journalText = model::journalText,
                    onOutcomes = { id -> nav.navigate("outcomes/$id") },
                )
            }
            composable("outcomes/{client}", arguments = listOf(navArgument("client") { type = NavType.StringType })) { back ->
                val client = state.clients.firstOrNull { it.id == back.arguments?.getString("client") }
                if (client != null) {
                    OutcomeScreen(
                        client, username = state.profile?.username, lang = model.lang, load = model::outcomesFor,
                        onSave = model::saveOutcome, onDelete = model::deleteOutcome, onBack = { nav.popBackStack() },
                    )
                }
            }
            composable("trips") {
                TripsScreen(
                    state, lang = model.lang, onStart = model::startTrip, onFinish = model::finishTrip,
                    onFinishOdometer = model::finishTripWithOdometer, onCancelTrip = model::cancelTrip,
                    onLog = { form, onSaved -> model.logTrip(form, onSaved) }, onDelete = model::deleteTrip,
                    onSuggest = model::suggestKm, onConfirm = model::confirmTrip,
                )
            }
            composable("sync") {
                SyncScreen(state, onSync = model::syncNow, onRetry = model::retryRejected, onDiscard = model::discardRejected,
                    onRepair = model::repairDamaged)
            }
            composable("settings") { SettingsScreen(state, onLock = model::lockNow, onDiagnostics = { share -> model.diagnostics(share) }, onWipe = model::wipe) }
        }
    }
}
