import SummarizerCore

/// Writes `rows` with `write`; when the target refuses them for their data (a ``PipelineError``
/// of kind ``PipelineError/Kind/invalidContent``: a constraint, a bad value), splits them in
/// halves until each bad row is alone, and records it in `rejected` under its item id.
///
/// So one bad row costs about 2·log₂(n) extra writes instead of the whole batch: the rest is
/// stored and the bad rows go to the dead-letter sink. Any other failure fails the whole call,
/// for the sink's retry. `classify` turns what `write` threw into the pipeline's error.
package func writeIsolatingBadRows(
    _ rows: ArraySlice<SummaryRecord>,
    rejected: inout [String: PipelineError],
    classify: (any Error) -> PipelineError = { PipelineError.from($0) },
    write: (ArraySlice<SummaryRecord>) async throws -> Void
) async throws {
    guard !rows.isEmpty else { return }
    do {
        try await write(rows)
    } catch {
        let failure = classify(error)
        guard failure.kind == .invalidContent else { throw failure }
        if rows.count == 1, let row = rows.first {
            rejected[row.newsURLID] = failure
            return
        }
        let middle = rows.startIndex + rows.count / 2
        try await writeIsolatingBadRows(rows[..<middle], rejected: &rejected, classify: classify, write: write)
        try await writeIsolatingBadRows(rows[middle...], rejected: &rejected, classify: classify, write: write)
    }
}
