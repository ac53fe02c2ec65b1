import Foundation
import Logging
import SummarizerCore
import SummarizerTesting
import Synchronization

@testable import Resilience

/// A stage call on a manual clock, with its own attempt log.
func makeCall(
    clock: ManualClock,
    url: String = "https://news.example/a",
    role: PluginRole = .fetcher,
    type: String = "http",
    logs: RecordingLogHandlerStore = RecordingLogHandlerStore()
) -> StageCall {
    StageCall(
        role: role,
        pluginType: type,
        item: WorkItem(url: url),
        context: StageContext(logger: logs.logger(), clock: clock, metrics: RunMetrics(), attempts: AttemptLog())
    )
}

/// A scripted operation: fails with the given errors in order, then succeeds; counts calls.
final class Script: Sendable {
    private let state: Mutex<(errors: [PipelineError], calls: Int)>

    init(_ errors: [PipelineError]) {
        state = Mutex((errors, 0))
    }

    @Sendable func call(_ call: StageCall) async throws -> String {
        let next = state.withLock { state -> PipelineError? in
            state.calls += 1
            return state.errors.isEmpty ? nil : state.errors.removeFirst()
        }
        if let next { throw next }
        return "ok"
    }

    var calls: Int { state.withLock { $0.calls } }
}

/// Counts things from concurrent tasks.
final class Tally: Sendable {
    private let value = Mutex(0)
    func add() { value.withLock { $0 += 1 } }
    var count: Int { value.withLock { $0 } }
}

func expectError(_ body: () async throws -> Void) async -> PipelineError? {
    do {
        try await body()
        return nil
    } catch {
        return PipelineError.from(error)
    }
}
