import Foundation

/// The `costBudget` section of the config: a spending limit shared by every process that
/// gives its name (workers of one LLM project), kept in a database.
public struct CostBudgetSettings: Sendable, Hashable {
    /// The budget's name; processes giving the same name share one budget.
    public var name: String?
    /// The most the calls of every process sharing it may spend in a period, in USD.
    public var maxCostUSD: Double?
    /// The period the limit applies to.
    public var period = SharedBudgetPolicy.Period.day
    /// The time zone whose midnights start the periods.
    public var timeZone = "UTC"
    /// Where the budget is kept: `database` is the one scope this program has.
    public var scope = "database"
    /// The database holding the budget (`DATABASE_URL` when not given).
    public var databaseURL: String?
    /// How long a reservation holds before it counts as spent at its worst case.
    public var reservationTTL: Duration = .seconds(600)

    /// The defaults.
    public init() {}

    /// The keys of the `costBudget` section, for validation, `explain` and the docs.
    public static let spec = PluginSpec(
        type: "costBudget",
        role: .summarizer,
        summary: "A cost budget shared by every process that names it, kept in PostgreSQL.",
        keys: configKeys
    )

    /// The policy of a validated section.
    public var policy: SharedBudgetPolicy? {
        guard let name, let maxCostUSD else { return nil }
        return SharedBudgetPolicy(name: name, limitUSD: maxCostUSD, period: period, timeZone: timeZone, reservationTTL: reservationTTL)
    }

    /// The problems of a section that is present: the keys it must give, and a time zone the
    /// database will know.
    func problems(at pointer: JSONPointer) -> [ConfigProblem] {
        var problems: [ConfigProblem] = []
        if name?.trimmingCharacters(in: .whitespaces).isEmpty ?? true {
            problems.append(
                ConfigProblem(pointer.appending("name"), "missing required key: the budget's name, shared by the processes that should share it")
            )
        }
        if maxCostUSD == nil {
            problems.append(
                ConfigProblem(pointer.appending("maxCostUSD"), "missing required key: the most the processes may spend together a period, in USD")
            )
        }
        if TimeZone(identifier: timeZone) == nil {
            problems.append(
                ConfigProblem(
                    pointer.appending("timeZone"),
                    "unknown time zone \"\(timeZone)\"; give an IANA name such as UTC or America/Los_Angeles"
                )
            )
        }
        return problems
    }
}

extension CostBudgetSettings: PluginSettings {
    public static let keys: [SettingKey<Self>] = [
        SettingKey("name", \.name, doc: "The budget's name (required); processes giving the same name share one budget."),
        SettingKey(
            "maxCostUSD",
            \.maxCostUSD,
            minimum: 0,
            doc:
                "The most the LLM calls of every process sharing the budget may spend together in a period (required). A call that does not fit stops every process's run (exit 2) until the period ends."
        ),
        SettingKey(
            "period",
            \.period,
            doc: "day or month: the limit starts again at each midnight or first of the month in timeZone; total: it never does."
        ),
        SettingKey("timeZone", \.timeZone, doc: "The IANA time zone whose midnights start the periods, e.g. America/Los_Angeles."),
        SettingKey(
            "scope",
            \.scope,
            allowed: ["database"],
            doc: "Where the budget is kept: database (PostgreSQL; summarize db migrate creates its tables)."
        ),
        SettingKey(
            "databaseURL",
            \.databaseURL,
            secret: true,
            environment: ["DATABASE_URL"],
            doc: "The PostgreSQL holding the budget; DATABASE_URL when not given."
        ),
        SettingKey(
            "reservationSeconds",
            \.reservationTTL,
            minimum: 1,
            doc:
                "A call's reservation not settled within this time (its process died) counts as spent at its worst case; keep it above the longest LLM call."
        ),
    ]
}
