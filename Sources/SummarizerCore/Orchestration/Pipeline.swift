/// A built stage: the plugin, its type name and the middleware it runs in.
public struct PipelineStage<Component: Sendable>: Sendable {
    public var type: String
    /// The name failures and logs use for the stage: the type, or for the second and later sink
    /// of one type `type#2`, `type#3`... in config order (a dead-letter record's `stored_in`).
    public var name: String
    public var component: Component
    public var chain: MiddlewareChain

    public init(type: String, name: String? = nil, component: Component, chain: MiddlewareChain = MiddlewareChain()) {
        self.type = type
        self.name = name ?? type
        self.component = component
        self.chain = chain
    }
}

/// The stages of one run, built from a config.
public struct Pipeline: Sendable {
    public var source: PipelineStage<any ItemSource>
    public var fetcher: PipelineStage<any Fetcher>
    public var extractor: PipelineStage<any ContentExtractor>
    public var summarizer: PipelineStage<any Summarizer>
    public var sinks: [PipelineStage<any Sink>]
    public var deadLetter: PipelineStage<any DeadLetterSink>
    /// Background services the stages need while the run lasts.
    public var services: [any PipelineService]

    public init(
        source: PipelineStage<any ItemSource>,
        fetcher: PipelineStage<any Fetcher>,
        extractor: PipelineStage<any ContentExtractor>,
        summarizer: PipelineStage<any Summarizer>,
        sinks: [PipelineStage<any Sink>],
        deadLetter: PipelineStage<any DeadLetterSink>,
        services: [any PipelineService] = []
    ) {
        self.source = source
        self.fetcher = fetcher
        self.extractor = extractor
        self.summarizer = summarizer
        self.sinks = sinks
        self.deadLetter = deadLetter
        self.services = services
    }
}
