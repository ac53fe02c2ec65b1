import Logging

/// The validate-and-repair exchange every LLM backend runs.
///
/// The reply is always validated against the schema, whether or not the service was given the
/// schema. An invalid reply gets exactly one repair turn (the previous reply and the list of
/// violations go back to the model); a second invalid reply fails the item with `invalidOutput`.
/// Tokens of every call count, the failed ones included.
public enum StructuredReply {
    /// The repair turn: the model's previous reply and what to fix.
    public struct Repair: Sendable {
        /// What the model answered before.
        public var previousReply: String
        /// The violations to fix, in words the model is given.
        public var message: String
    }

    /// Runs the exchange. `send(nil)` makes the first call; `send(repair)` the repair call.
    public static func summarize(
        prompt: SummaryPrompt,
        context: StageContext,
        send: (Repair?) async throws -> LLMReply
    ) async throws -> (summary: Summary, spend: Spend, modelVersion: String?) {
        let first = try await send(nil)
        switch prompt.schema.decode(replyText: first.text) {
        case .success(let summary):
            return (summary, first.spend, first.modelVersion)
        case .failure(let violations):
            context.metrics.recordRepair(succeeded: false)
            context.logger.warning(
                "the reply did not match the schema; asking once more",
                metadata: ["violations": "\(violations)"]
            )
            let repair = Repair(previousReply: first.text, message: prompt.repairMessage(violations))
            let second: LLMReply
            do {
                second = try await send(repair)
            } catch {
                var failure = PipelineError.from(error)
                failure.spend = first.spend + (failure.spend ?? .zero)
                throw failure
            }
            let spend = first.spend + second.spend
            switch prompt.schema.decode(replyText: second.text) {
            case .success(let summary):
                context.metrics.recordRepair(succeeded: true)
                return (summary, spend, second.modelVersion ?? first.modelVersion)
            case .failure(let again):
                var failure = PipelineError(
                    .invalidOutput,
                    "the reply did not match the schema, even after one repair attempt: \(again)",
                    reason: "schema-mismatch"
                )
                failure.spend = spend
                throw failure
            }
        }
    }
}
