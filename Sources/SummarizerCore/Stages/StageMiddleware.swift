/// Which plugin role a stage call belongs to.
public enum PluginRole: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    case source, fetcher, extractor, summarizer, sink, deadLetter, middleware

    public var description: String { rawValue }

    /// The pipeline stage this role works in, for failure records.
    public var stage: Stage {
        switch self {
        case .source: .source
        case .fetcher: .fetch
        case .extractor: .extract
        case .summarizer: .summarize
        case .sink, .deadLetter, .middleware: .sink
        }
    }
}

/// What middleware sees of one stage call.
public struct StageCall: Sendable {
    /// The role of the stage being called.
    public var role: PluginRole
    /// The type name of the plugin being called, e.g. `mock`; keys per-backend policies.
    public var pluginType: String
    /// The item, for per-item stages; `nil` for a sink batch.
    public var item: WorkItem?
    /// The call's context.
    public var context: StageContext

    public init(role: PluginRole, pluginType: String, item: WorkItem?, context: StageContext) {
        self.role = role
        self.pluginType = pluginType
        self.item = item
        self.context = context
    }
}

/// Wraps a stage call: retry, rate limit, circuit breaker, timeout...
///
/// A plugin never knows middleware exists: the orchestrator runs every stage call through its
/// chain. One method, generic in the stage's output, so one middleware serves every stage.
/// `next` is `@Sendable` so that a middleware may run it in a child task (a timeout does).
/// The description says what the middleware does with its parameters, for `summarize explain`.
public protocol StageMiddleware: Sendable, CustomStringConvertible {
    func handle<Output: Sendable>(
        _ call: StageCall,
        next: @Sendable (StageCall) async throws -> Output
    ) async throws -> Output
}

/// An ordered list of middleware; the first listed is the outermost.
public struct MiddlewareChain: Sendable, CustomStringConvertible {
    public var middleware: [any StageMiddleware]

    public init(_ middleware: [any StageMiddleware] = []) {
        self.middleware = middleware
    }

    /// Runs `body` inside every middleware of the chain.
    public func run<Output: Sendable>(
        _ call: StageCall,
        _ body: @Sendable (StageCall) async throws -> Output
    ) async throws -> Output {
        try await run(call, from: middleware[...], body)
    }

    private func run<Output: Sendable>(
        _ call: StageCall,
        from remaining: ArraySlice<any StageMiddleware>,
        _ body: @Sendable (StageCall) async throws -> Output
    ) async throws -> Output {
        guard let first = remaining.first else { return try await body(call) }
        return try await first.handle(call) { inner in
            try await run(inner, from: remaining.dropFirst(), body)
        }
    }

    public var description: String {
        middleware.isEmpty ? "(none)" : middleware.map(\.description).joined(separator: " -> ")
    }
}
