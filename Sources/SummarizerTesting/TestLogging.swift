import Logging
import Synchronization

/// A log handler that keeps messages in memory, for asserting on logs (and on their absence).
public final class RecordingLogHandlerStore: Sendable {
    private let lines = Mutex<[String]>([])

    /// An empty store.
    public init() {}

    /// A logger writing into this store at `level`.
    public func logger(level: Logger.Level = .trace) -> Logger {
        var logger = Logger(label: "test") { _ in RecordingLogHandler(store: self) }
        logger.logLevel = level
        return logger
    }

    func append(_ line: String) {
        lines.withLock { $0.append(line) }
    }

    /// Every line logged: level, message and metadata.
    public var messages: [String] { lines.withLock { $0 } }
}

struct RecordingLogHandler: LogHandler {
    let store: RecordingLogHandlerStore
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let rendered = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        store.append("\(event.level) \(event.message) \(rendered)")
    }
}
