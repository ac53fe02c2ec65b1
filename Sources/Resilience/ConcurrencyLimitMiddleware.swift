import SummarizerCore
import Synchronization

/// A bulkhead (`concurrencyLimit`): at most N calls at once, globally or per key.
public struct ConcurrencyLimitMiddleware: StageMiddleware {
    /// Calls allowed at once per key.
    public let limit: Int
    let key: PolicyKey
    let name: String?
    private let semaphores = SemaphoreTable()

    /// A bulkhead of `limit` calls per `key`.
    public init(limit: Int, key: PolicyKey, name: String? = nil) {
        self.limit = limit
        self.key = key
        self.name = name
    }

    public func handle<Output: Sendable>(
        _ call: StageCall,
        next: @Sendable (StageCall) async throws -> Output
    ) async throws -> Output {
        let semaphore = semaphores.semaphore(for: key.key(for: call), permits: limit)
        try await semaphore.acquire()
        defer { semaphore.release() }
        return try await next(call)
    }

    public var description: String {
        "concurrencyLimit" + (name.map { " \"\($0)\"" } ?? "") + " (\(limit) at once, per \(key))"
    }

    /// What the `concurrencyLimit` plugin's config sets.
    struct Options: PluginSettings {
        var maxConcurrent = 1
        var key = PolicyKey.global

        static let keys: [SettingKey<Self>] = [
            SettingKey("maxConcurrent", \.maxConcurrent, required: true, minimum: 1, doc: "Calls allowed at once per key."),
            SettingKey("key", \.key, doc: "global, domain (per host) or backend (per plugin)."),
        ]
    }

    /// The `concurrencyLimit` middleware plugin.
    public static let plugin = Plugin(
        type: "concurrencyLimit",
        summary: "Bulkhead: at most maxConcurrent calls at once, globally, per domain or per backend.",
        keys: Options.configKeys,
        .middleware { config, _ in
            let options = try config.decode(Options.self)
            return ConcurrencyLimitMiddleware(limit: options.maxConcurrent, key: options.key, name: config.name)
        }
    )
}
