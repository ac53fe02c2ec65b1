/// An ordered list of middleware; the first listed is the outermost.
public struct MiddlewareChain: Sendable, CustomStringConvertible {
    /// The middleware, outermost first.
    public var middleware: [any StageMiddleware]

    /// A chain of `middleware`, outermost first.
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
