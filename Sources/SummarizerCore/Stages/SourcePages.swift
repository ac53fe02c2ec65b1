import Synchronization

extension AsyncThrowingStream where Element == SourceElement, Failure == any Error {
    /// A source's stream read a page at a time: `nextPage` is called when the previous page is
    /// used up, and returns the next page (possibly empty) or `nil` when there is no more.
    public static func pages(_ nextPage: @escaping @Sendable () async throws -> [SourceElement]?) -> Self {
        let buffer = PageBuffer()
        return AsyncThrowingStream(unfolding: {
            while true {
                if let next = buffer.next() { return next }
                guard let page = try await nextPage() else { return nil }
                buffer.fill(page)
            }
        })
    }
}

/// The unread rest of a page.
private final class PageBuffer: Sendable {
    private let elements = Mutex<[SourceElement]>([])

    func next() -> SourceElement? {
        elements.withLock { $0.isEmpty ? nil : $0.removeFirst() }
    }

    func fill(_ page: [SourceElement]) {
        elements.withLock { $0 = page }
    }
}
