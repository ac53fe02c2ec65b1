/// A built stage: the plugin, its type name and the middleware it runs in.
public struct PipelineStage<Component: Sendable>: Sendable {
    /// The plugin's type name, e.g. `jsonl`; keys per-backend policies.
    public var type: String
    /// The name failures and logs use for the stage: the type, or for the second and later sink
    /// of one type `type#2`, `type#3`... in config order (a dead-letter record's `stored_in`).
    public var name: String
    /// The built plugin.
    public var component: Component
    /// The middleware every call of the stage runs through.
    public var chain: MiddlewareChain

    /// A stage; `name` defaults to the type.
    public init(type: String, name: String? = nil, component: Component, chain: MiddlewareChain = MiddlewareChain()) {
        self.type = type
        self.name = name ?? type
        self.component = component
        self.chain = chain
    }
}

/// The stages of one run, built from a config.
public struct Pipeline: Sendable {
    /// Where the items come from.
    public var source: PipelineStage<any ItemSource>
    /// Gets each item's page.
    public var fetcher: PipelineStage<any Fetcher>
    /// Finds the article in the page.
    public var extractor: PipelineStage<any ContentExtractor>
    /// Summarizes the article.
    public var summarizer: PipelineStage<any Summarizer>
    /// Where every record goes; a record counts as written once each holds it.
    public var sinks: [PipelineStage<any Sink>]
    /// Where failed items go.
    public var deadLetter: PipelineStage<any DeadLetterSink>
    /// Background services the stages need while the run lasts.
    public var services: [any PipelineService]

    /// A pipeline of built stages and the services they need run beside them.
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
