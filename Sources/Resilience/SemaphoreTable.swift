import SummarizerCore
import Synchronization

/// Semaphores by key (a host, a backend), made on first use.
public final class SemaphoreTable: Sendable {
    private let table = Mutex<[String: AsyncSemaphore]>([:])

    /// An empty table.
    public init() {}

    /// The semaphore of `key`, made with `permits` on first use.
    public func semaphore(for key: String, permits: Int) -> AsyncSemaphore {
        table.withLock { table in
            if let existing = table[key] { return existing }
            let made = AsyncSemaphore(permits: permits)
            table[key] = made
            return made
        }
    }
}
