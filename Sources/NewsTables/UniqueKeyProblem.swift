import SummarizerCore

/// The error of a summaries table without the unique key its upserts need (SQLSTATE 42P10 on
/// an upsert), as the postgres and supabase sinks and `summarize db migrate` explain it.
public enum UniqueKeyProblem {
    /// The SQL that keeps the newest row of each duplicated key, so the constraint can be added.
    public static func resolvingSQL(table: String = "context_summaries", column: String = "news_url_id") -> String {
        "delete from \(table) c using \(table) d where c.\(column) = d.\(column) and "
            + "(coalesce(c.updated_at, c.generated_at, '-infinity'), c.id) < (coalesce(d.updated_at, d.generated_at, '-infinity'), d.id);"
    }

    /// A `misconfigured` error naming the table, the column and, when counted, how many keys
    /// have more than one row.
    public static func error(table: String, column: String, duplicates: Int?, action: String) -> PipelineError {
        var message = "\(action): \(table) has no unique constraint on \(column), which upserts need (SQLSTATE 42P10)"
        let hint: String
        switch duplicates {
        case 0?:
            message += "; no \(column) has two rows"
            hint = "run `summarize db migrate`: it adds the constraint"
        case let count?:
            message += "; \(count) \(column) values have more than one row, so the constraint cannot be added yet"
            hint = "keep the newest row of each (\(resolvingSQL(table: table, column: column))), then run `summarize db migrate`"
        case nil:
            hint =
                "run `summarize db migrate` (it adds the constraint when no \(column) has two rows, and otherwise says how many do and the SQL that resolves them)"
        }
        return PipelineError(.misconfigured, message, reason: "sqlstate-42P10", code: "42P10", hint: hint, retryable: false)
    }
}
