import SummarizerCore
import Synchronization

/// Counts how many calls run at once and the peak, to prove concurrency bounds.
public final class ConcurrencyProbe: Sendable {
    private let state = Mutex((current: 0, peak: 0, total: 0))

    /// A probe with nothing running.
    public init() {}

    /// Runs `body`, counting it as in flight meanwhile.
    public func measure<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
        state.withLock {
            $0.current += 1
            $0.total += 1
            $0.peak = max($0.peak, $0.current)
        }
        defer { state.withLock { $0.current -= 1 } }
        return try await body()
    }

    /// The most calls that ran at once.
    public var peak: Int { state.withLock { $0.peak } }
    /// Calls made in all.
    public var total: Int { state.withLock { $0.total } }
    /// Calls running now.
    public var current: Int { state.withLock { $0.current } }
}
