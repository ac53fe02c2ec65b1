import Synchronization

/// Background work a plugin needs while a run lasts, such as a shared deadline scheduler.
///
/// The orchestrator runs every service in its own task group beside the items and cancels
/// them when the run ends, so no plugin has to start an unstructured task of its own.
public protocol PipelineService: Sendable {
    /// Runs until cancelled.
    func run() async
}

/// Where plugin factories register the services and shared objects they need.
public final class ServiceCollector: Sendable {
    private struct State {
        var services: [any PipelineService] = []
        var shared: [String: any Sendable] = [:]
    }

    private let state = Mutex(State())

    /// An empty collector.
    public init() {}

    /// Registers a service to run for the length of the run.
    public func add(_ service: any PipelineService) {
        state.withLock { $0.services.append(service) }
    }

    /// The object stored under `key`, made (and, if it is a service, registered) on first use,
    /// so plugins can share one instance per run.
    public func shared<T: Sendable>(_ key: String, make: () -> T) -> T {
        state.withLock { state in
            if let existing = state.shared[key] as? T { return existing }
            let made = make()
            state.shared[key] = made
            if let service = made as? any PipelineService { state.services.append(service) }
            return made
        }
    }

    /// Every registered service.
    public var all: [any PipelineService] { state.withLock { $0.services } }
}

/// Runs `body` while `services` run beside it, then cancels them; returns the body's result.
///
/// For using stages outside an orchestrated run (tests, benchmarks, one-off commands): a client
/// that needs its `run()` going gets it for exactly as long as the body lasts.
public func withServices<T: Sendable>(
    _ services: [any PipelineService],
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        for service in services {
            group.addTask {
                await service.run()
                return nil
            }
        }
        group.addTask { try await body() }
        defer { group.cancelAll() }
        while let result = try await group.next() {
            if let result { return result }
        }
        throw CancellationError()
    }
}
