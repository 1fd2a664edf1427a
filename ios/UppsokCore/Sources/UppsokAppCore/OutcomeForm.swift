// "Registrera utfall": a stay in inpatient care, an emergency-room visit, housing, occupation or
// the yearly satisfaction answer about one client. The kind is picked first and decides the
// fields (`fields`); the day is today and the source "Uppgift från klienten" until changed; a
// stay's discharge day is optional (still admitted), and its compulsory-care switch names the law
// of the chosen care (LPT, LVM); the satisfaction form's four questions are each 1–5 or skipped,
// at least one answered. Labels and questions come from the core, so the wording is the
// dashboard's. The same rules as OutcomeForm.kt on Android.
import Foundation
import UppsokCore

/// The fields an outcome form shows beyond day and source, by kind.
public enum OutcomeField: Sendable, Equatable {
    case care, discharged, compulsory, housing, occupation, respondent, answers
}

public struct OutcomeForm {
    public var clientId: String
    /// Nil until the user picks a kind.
    public private(set) var kind: OutcomeKind?
    public var day: String
    public var source: OutcomeSource = .client
    public var care: Care?
    public var discharged: String?
    public var compulsory = false
    public var housing: Housing?
    public var occupation: Occupation?
    public var respondent: Respondent?
    public private(set) var answers: [Int32?] = Array(repeating: nil, count: OutcomeForm.questionCount)
    /// Set when editing an outcome the user recorded.
    public var id: String?

    /// The number of satisfaction questions (the core's list; four).
    public static let questionCount = satisfactionQuestions().count
    /// The five steps of an answer.
    public static let scale: [Int32] = [1, 2, 3, 4, 5]

    /// A new outcome about `clientId` on `today` (`YYYY-MM-DD`), from the client.
    public static func new(clientId: String, today: String) -> OutcomeForm {
        OutcomeForm(clientId: clientId, day: today)
    }

    /// Editing `item`: every field as recorded, the id kept.
    public static func edit(_ item: OutcomeItem) -> OutcomeForm {
        var f = OutcomeForm(clientId: item.clientId, day: item.day)
        f.kind = item.kind
        f.source = item.source
        f.care = item.care
        f.discharged = item.discharged
        f.compulsory = item.compulsory
        f.housing = item.housing
        f.occupation = item.occupation
        f.respondent = item.respondent
        if item.answers.count == questionCount { f.answers = item.answers }
        f.id = item.id
        return f
    }

    /// The satisfaction statements in the form's language, in order.
    public static func questions(_ lang: Lang) -> [String] {
        satisfactionQuestions().map { OutcomeLabels.pick($0, lang) }
    }

    public static func scaleHint(_ lang: Lang) -> String {
        lang == .sv ? "1 = inte alls, 5 = helt och hållet" : "1 = not at all, 5 = fully"
    }

    /// The fields the chosen kind needs, in the order the form shows them.
    public func fields() -> [OutcomeField] {
        switch kind {
        case .inpatient: return [.care, .discharged, .compulsory]
        case .housing: return [.housing]
        case .occupation: return [.occupation]
        case .satisfaction: return [.respondent, .answers]
        case .emergency, nil: return []
        }
    }

    /// Another kind keeps day and source and starts its own fields over, so nothing of the old
    /// kind is saved under the new one. A satisfaction answer is most often the client's own.
    public func withKind(_ newKind: OutcomeKind) -> OutcomeForm {
        guard newKind != kind else { return self }
        var f = OutcomeForm(clientId: clientId, day: day)
        f.kind = newKind
        f.source = source
        f.id = id
        f.respondent = newKind == .satisfaction ? .client : nil
        return f
    }

    /// Blank means still admitted.
    public func withDischarged(_ text: String?) -> OutcomeForm {
        var f = self
        let t = text?.trimmingCharacters(in: .whitespaces) ?? ""
        f.discharged = t.isEmpty ? nil : t
        return f
    }

    /// Question `index` answered `value` (1–5), or skipped with nil; an index outside the form
    /// changes nothing.
    public func withAnswer(_ index: Int, _ value: Int32?) -> OutcomeForm {
        guard answers.indices.contains(index) else { return self }
        var f = self
        f.answers[index] = value
        return f
    }

    /// The compulsory-care switch: by the chosen care's law ("Tvångsvård enligt LVM"), both laws
    /// while no care is chosen.
    public func compulsoryLabel(_ lang: Lang) -> String {
        let law = care.map { compulsoryLaw(care: $0) } ?? "LPT/LVM"
        return lang == .sv ? "Tvångsvård enligt \(law)" : "Compulsory care under \(law)"
    }

    private static func date(_ text: String?) -> Date? {
        guard let t = text?.trimmingCharacters(in: .whitespaces) else { return nil }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd"
        f.isLenient = false
        return f.date(from: t)
    }

    /// The instant checks (`today` as `YYYY-MM-DD`), Swedish first; the core checks the same
    /// rules again and is the one that counts.
    public func problems(_ lang: Lang, today: String) -> [FieldProblem] {
        var out: [FieldProblem] = []
        func add(_ field: String) { out.append(FieldProblem(field: field, text: Messages.invalid(field: field, rule: "", lang))) }
        let latest = OutcomeForm.date(today).map { $0.addingTimeInterval(86_400) }
        let earliest = OutcomeForm.date("1990-01-01")
        if kind == nil { add("kind") }
        let start = OutcomeForm.date(day)
        if let d = start {
            if let l = latest, d > l { add("day") } else if let e = earliest, d < e { add("day") }
        } else {
            add("day")
        }
        switch kind {
        case .inpatient:
            if care == nil { add("care") }
            if discharged != nil {
                if let left = OutcomeForm.date(discharged) {
                    if (latest.map { left > $0 } ?? false) || (start.map { left < $0 } ?? false) { add("discharged") }
                } else {
                    add("discharged")
                }
            }
        case .housing: if housing == nil { add("housing") }
        case .occupation: if occupation == nil { add("occupation") }
        case .satisfaction:
            if respondent == nil { add("respondent") }
            let given = answers.compactMap { $0 }
            if given.isEmpty || given.contains(where: { !OutcomeForm.scale.contains($0) }) { add("answers") }
        case .emergency, nil: break
        }
        return out
    }

    /// What the core saves; nil until a kind is picked. Only the kind's fields are sent.
    public func toInput() -> OutcomeInput? {
        guard let kind else { return nil }
        let f = fields()
        return OutcomeInput(
            id: id, clientId: clientId, day: day.trimmingCharacters(in: .whitespaces), source: source, kind: kind,
            care: f.contains(.care) ? care : nil,
            discharged: f.contains(.discharged) ? discharged : nil,
            compulsory: compulsory && f.contains(.compulsory),
            housing: f.contains(.housing) ? housing : nil,
            occupation: f.contains(.occupation) ? occupation : nil,
            respondent: f.contains(.respondent) ? respondent : nil,
            answers: f.contains(.answers) ? answers : [])
    }
}

/// Outcome wording from the core (the model's labels, the dashboard's words); the same as
/// OutcomeLabels in OutcomeForm.kt.
public enum OutcomeLabels {
    static func pick(_ b: Bilingual, _ lang: Lang) -> String { lang == .sv ? b.sv : b.en }

    public static func kind(_ k: OutcomeKind, _ lang: Lang) -> String { pick(outcomeKindLabel(kind: k), lang) }
    public static func source(_ s: OutcomeSource, _ lang: Lang) -> String { pick(outcomeSourceLabel(source: s), lang) }
    public static func care(_ c: Care, _ lang: Lang) -> String { pick(careLabel(care: c), lang) }
    public static func housing(_ h: Housing, _ lang: Lang) -> String { pick(housingLabel(housing: h), lang) }
    public static func occupation(_ o: Occupation, _ lang: Lang) -> String { pick(occupationLabel(occupation: o), lang) }
    public static func respondent(_ r: Respondent, _ lang: Lang) -> String { pick(respondentLabel(respondent: r), lang) }

    /// The choices in the pickers' order (the core's enum order).
    public static var kinds: [OutcomeKind] { [.inpatient, .emergency, .housing, .occupation, .satisfaction] }
    public static var sources: [OutcomeSource] { [.client, .relative, .inpatientCare, .records, .staff, .other] }
    public static var cares: [Care] { [.psychiatric, .addiction] }
    public static var housings: [Housing] { [.own, .secondhand, .supported, .family, .institution, .homeless] }
    public static var occupations: [Occupation] { [.work, .studies, .workTraining, .dailyActivity, .noRegularActivity] }
    public static var respondents: [Respondent] { [.client, .relative] }

    /// One line of the client's outcome list: day, kind, what it was, and the source, e.g.
    /// "2026-03-02 Inskrivning i slutenvård: Psykiatrisk slutenvård, LPT, t.o.m. 2026-03-09 (Från slutenvården)".
    public static func line(_ o: OutcomeItem, _ lang: Lang) -> String {
        let sv = lang == .sv
        let what: String
        switch o.kind {
        case .inpatient:
            let until = o.discharged.map { sv ? "t.o.m. \($0)" : "until \($0)" } ?? (sv ? "fortfarande inskriven" : "still admitted")
            what = [o.care.map { care($0, lang) }, o.compulsoryLaw, until].compactMap { $0 }.joined(separator: ", ")
        case .emergency: what = ""
        case .housing: what = o.housing.map { housing($0, lang) } ?? ""
        case .occupation: what = o.occupation.map { occupation($0, lang) } ?? ""
        case .satisfaction:
            let answers = o.answers.map { a in a.map { "\($0)" } ?? "–" }.joined(separator: " ")
            what = [o.respondent.map { respondent($0, lang) }, answers].compactMap { $0 }.joined(separator: ": ")
        }
        let head = kind(o.kind, lang) + (what.isEmpty ? "" : ": \(what)")
        return "\(o.day) \(head) (\(source(o.source, lang)))"
    }
}
