import SummarizerCore

/// A source yielding a fixed list, for tests.
public struct StaticSource: ItemSource {
    /// What the source yields, in order.
    public var elements: [SourceElement]
    /// Thrown after the elements, to simulate an outage.
    public var failure: PipelineError?

    /// A source of `items`, failing with `failure` after them when given.
    public init(_ items: [WorkItem], failure: PipelineError? = nil) {
        self.elements = items.map(SourceElement.item)
        self.failure = failure
    }

    /// A source of `elements`, rejections included.
    public init(elements: [SourceElement]) {
        self.elements = elements
    }

    public func items(_ query: ItemQuery, context: StageContext) -> AsyncThrowingStream<SourceElement, any Error> {
        let elements = elements
        let failure = failure
        return AsyncThrowingStream { continuation in
            for element in elements { continuation.yield(element) }
            continuation.finish(throwing: failure)
        }
    }
}
