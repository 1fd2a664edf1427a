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
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableIntStateOf
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import se.uppsok.app.R
import se.uppsok.app.core.Labels
import se.uppsok.app.core.Lang
import se.uppsok.app.core.OutcomeField
import se.uppsok.app.core.OutcomeForm
import se.uppsok.app.core.OutcomeLabels
import se.uppsok.core.Care
import se.uppsok.core.ClientItem
import se.uppsok.core.Housing
import se.uppsok.core.Occupation
import se.uppsok.core.OutcomeInput
import se.uppsok.core.OutcomeItem
import se.uppsok.core.Respondent
import java.time.LocalDate

/**
 * A client's outcomes ("Utfall"), newest first, and "Registrera utfall": the kind first, then the
 * fields OutcomeForm says it needs. Reached from the client's page. The user's own outcomes can
 * be edited and deleted; the core refuses the others'.
 */
@OptIn(ExperimentalLayoutApi::class)
@Composable
fun OutcomeScreen(
    client: ClientItem,
    username: String?,
    lang: Lang,
    load: suspend (String) -> List<OutcomeItem>,
    onSave: (OutcomeInput, () -> Unit) -> Unit,
    onDelete: (String, () -> Unit) -> Unit,
    onBack: () -> Unit,
) {
    var outcomes by remember(client.id) { mutableStateOf(emptyList<OutcomeItem>()) }
    // Bumped after a save or delete, to read the list again.
    var version by remember { mutableIntStateOf(0) }
    var form by remember(client.id) { mutableStateOf<OutcomeForm?>(null) }
    LaunchedEffect(client.id, version) { outcomes = runCatching { load(client.id) }.getOrDefault(emptyList()) }
    Column(Modifier.padding(16.dp).verticalScroll(rememberScrollState()), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        Text(Labels.client(client, lang), style = MaterialTheme.typography.titleMedium)
        Text(stringResource(R.string.outcomes_title), style = MaterialTheme.typography.headlineSmall)
        val editing = form
        if (editing == null) {
            Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                Button(onClick = { form = OutcomeForm.new(client.id, LocalDate.now()) }) { Text(stringResource(R.string.outcome_add)) }
                OutlinedButton(onClick = onBack) { Text(stringResource(R.string.cancel)) }
            }
        } else {
            OutcomeEditor(editing, lang, onChange = { form = it }, onSave = { input ->
                onSave(input) { form = null; version++ }
            }, onCancel = { form = null })
        }
        if (outcomes.isEmpty()) Text(stringResource(R.string.outcomes_none))
        outcomes.forEach { o ->
            Text(OutcomeLabels.line(o, lang))
            if (o.author == username) Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                TextButton(onClick = { form = OutcomeForm.edit(o) }) { Text(stringResource(R.string.edit)) }
                TextButton(onClick = { onDelete(o.id) { version++ } }) { Text(stringResource(R.string.delete)) }
            }
        }
    }
}

@OptIn(ExperimentalLayoutApi::class)
@Composable
private fun OutcomeEditor(
    form: OutcomeForm,
    lang: Lang,
    onChange: (OutcomeForm) -> Unit,
    onSave: (OutcomeInput) -> Unit,
    onCancel: () -> Unit,
) {
    val problems = form.problems(lang)
    fun problem(field: String) = problems.firstOrNull { it.field == field }?.let { p ->
        @Composable { Text(p.text, color = MaterialTheme.colorScheme.error) }
    }
    Column(verticalArrangement = Arrangement.spacedBy(6.dp)) {
        FlowRow(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
            OutcomeLabels.kinds.forEach { k ->
                FilterChip(selected = form.kind == k, onClick = { onChange(form.withKind(k)) }, label = { Text(OutcomeLabels.kind(k, lang)) })
            }
        }
        problem("kind")?.invoke()
        OutlinedTextField(form.day, { onChange(form.withDay(it)) }, label = { Text(stringResource(R.string.outcome_day)) },
            singleLine = true, supportingText = problem("day"))
        Text(stringResource(R.string.outcome_source), style = MaterialTheme.typography.titleSmall)
        FlowRow(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
            OutcomeLabels.sources.forEach { s ->
                FilterChip(selected = form.source == s, onClick = { onChange(form.withSource(s)) }, label = { Text(OutcomeLabels.source(s, lang)) })
            }
        }
        form.fields().forEach { field ->
            when (field) {
                OutcomeField.CARE -> {
                    FlowRow(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
                        Care.entries.forEach { c ->
                            FilterChip(selected = form.care == c, onClick = { onChange(form.withCare(c)) }, label = { Text(OutcomeLabels.care(c, lang)) })
                        }
                    }
                    problem("care")?.invoke()
                }
                OutcomeField.DISCHARGED -> OutlinedTextField(form.discharged ?: "", { onChange(form.withDischarged(it)) },
                    label = { Text(stringResource(R.string.outcome_discharged)) }, singleLine = true, supportingText = problem("discharged"))
                OutcomeField.COMPULSORY -> Row(verticalAlignment = Alignment.CenterVertically) {
                    Switch(checked = form.compulsory, onCheckedChange = { onChange(form.withCompulsory(it)) })
                    Text(form.compulsoryLabel(lang), Modifier.padding(start = 8.dp))
                }
                OutcomeField.HOUSING -> {
                    FlowRow(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
                        Housing.entries.forEach { h ->
                            FilterChip(selected = form.housing == h, onClick = { onChange(form.withHousing(h)) }, label = { Text(OutcomeLabels.housing(h, lang)) })
                        }
                    }
                    problem("housing")?.invoke()
                }
                OutcomeField.OCCUPATION -> {
                    FlowRow(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
                        Occupation.entries.forEach { o ->
                            FilterChip(selected = form.occupation == o, onClick = { onChange(form.withOccupation(o)) }, label = { Text(OutcomeLabels.occupation(o, lang)) })
                        }
                    }
                    problem("occupation")?.invoke()
                }
                OutcomeField.RESPONDENT -> FlowRow(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
                    Respondent.entries.forEach { r ->
                        FilterChip(selected = form.respondent == r, onClick = { onChange(form.withRespondent(r)) }, label = { Text(OutcomeLabels.respondent(r, lang)) })
                    }
                }
                OutcomeField.ANSWERS -> {
                    Text(OutcomeForm.scaleHint(lang), style = MaterialTheme.typography.bodySmall)
                    OutcomeForm.questions(lang).forEachIndexed { i, question ->
                        Text(question)
                        FlowRow(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
                            OutcomeForm.SCALE.forEach { v ->
                                // Tapping the chosen step again skips the question.
                                FilterChip(selected = form.answers[i] == v, onClick = {
                                    onChange(form.withAnswer(i, if (form.answers[i] == v) null else v))
                                }, label = { Text(v.toString()) })
                            }
                        }
                    }
                    problem("answers")?.invoke()
                }
            }
        }
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            Button(onClick = { form.toInput()?.let(onSave) }, enabled = problems.isEmpty()) { Text(stringResource(R.string.save)) }
            OutlinedButton(onClick = onCancel) { Text(stringResource(R.string.cancel)) }
        }
    }
}
