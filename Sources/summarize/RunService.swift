import Logging
import ServiceLifecycle
import SummarizerCore
import Synchronization
import UnixSignals

/// A pipeline run as a service of a `ServiceGroup`: the group's graceful shutdown becomes a
/// graceful stop of the run (no new items, in-flight items finish within the grace, sinks flushed).
final class PipelineRunService: Service, CustomStringConvertible {
    let orchestrator: Orchestrator
    let control: RunControl
    let report = Mutex<RunReport?>(nil)

    init(orchestrator: Orchestrator, control: RunControl) {
        self.orchestrator = orchestrator
        self.control = control
    }

    var description: String { "pipeline" }

    func run() async throws {
        let (orchestrator, control) = (orchestrator, control)
        // Detached, so the pipeline's own services do not see the group's graceful shutdown:
        // PostgresClient shuts its pool down on it, and the run still needs the pool for its
        // last batch and to release its leases. The run stops them itself when it is done;
        // cancellation is passed on by hand.
        let task = Task.detached { await orchestrator.run(control: control) }
        let result = await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await task.value
            } onCancel: {
                task.cancel()
            }
        } onGracefulShutdown: {
            control.requestStop(.shutdown)
        }
        report.withLock { $0 = result }
    }
}

/// Signals the process stops gracefully on, and the exit code each one gives (128 + its number).
enum StopSignals {
    static let trapped: [UnixSignal] = [.sigint, .sigterm]

    static func request(for signal: UnixSignal) -> StopRequest {
        .signal(name: signal == .sigint ? "SIGINT" : "SIGTERM", exitCode: 128 + signal.rawValue)
    }
}

extension Orchestrator {
    /// Runs the pipeline in a service group until it ends or a signal stops it.
    ///
    /// The first SIGINT or SIGTERM stops the run gracefully and its report says which signal it
    /// was (exit 130 or 143); a second one ends the process at once, between two writes of output.
    func runUntilSignalled(control: RunControl = RunControl(), logger: Logger) async throws -> RunReport {
        let service = PipelineRunService(orchestrator: self, control: control)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)],
                logger: logger
            )
        )
        // Signals are trapped here rather than by the group, whose shutdown does not say which
        // signal caused it, and the exit code must.
        let signals = await UnixSignalsSequence(trapping: StopSignals.trapped)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                var received = 0
                for await signal in signals {
                    received += 1
                    let request = StopSignals.request(for: signal)
                    guard received == 1 else {
                        StandardError.print("\(request): a second signal, exiting at once; items in flight are left for the next run")
                        if case .signal(_, let code) = request { OutputGate.exitNow(code) }
                        continue
                    }
                    logger.notice("stopping gracefully; a second Ctrl-C exits at once", metadata: ["signal": "\(request)"])
                    control.requestStop(request)
                    await group.triggerGracefulShutdown()
                }
            }
            try await group.run()
            tasks.cancelAll()
        }
        return service.report.withLock { $0 } ?? RunReport()
    }
}
