/// The role a plugin fills: one of the pipeline's stages, or middleware around them.
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

    /// Whether stages of this role take a `middleware` list in the config: every per-item
    /// stage and the sinks do; sources are read by the orchestrator, not called through a
    /// chain, and middleware does not wrap middleware.
    public var takesMiddleware: Bool {
        self != .middleware && self != .source
    }
}
