import Foundation

/// Writes the metrics text to a file atomically (`--metrics-file PATH`), for node_exporter's
/// textfile collector: a reader sees the whole previous text or the whole new one, never half.
public struct MetricsFile: Sendable {
    /// The file written.
    public let path: String

    /// A writer of `path`.
    public init(path: String) {
        self.path = path
    }

    /// Writes `text` to a temporary file beside the target (a name the collector ignores: it
    /// reads `*.prom` only), then renames it over the target.
    public func write(_ text: String) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        do {
            try Data(text.utf8).write(to: temporary)
            if rename(temporary.path, url.path) != 0 {
                let code = errno
                try? FileManager.default.removeItem(at: temporary)
                throw MetricsFileError(path: path, reason: String(cString: strerror(code)))
            }
        } catch let error as MetricsFileError {
            throw error
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw MetricsFileError(path: path, reason: "\(error.localizedDescription)")
        }
    }

    /// Writes `render()` every `interval` until the task is cancelled. A failed write is
    /// reported through `onError` and tried again at the next interval.
    public func run(
        every interval: Duration,
        render: @Sendable () -> String,
        onError: @Sendable (MetricsFileError) -> Void
    ) async {
        while !Task.isCancelled {
            do {
                try write(render())
            } catch let error as MetricsFileError {
                onError(error)
            } catch {}
            guard (try? await Task.sleep(for: interval)) != nil else { return }
        }
    }
}

/// The metrics file could not be written.
public struct MetricsFileError: Error, CustomStringConvertible {
    /// The file.
    public var path: String
    /// Why.
    public var reason: String

    /// What went wrong, for a log line.
    public var description: String { "could not write the metrics file \(path): \(reason)" }
}
