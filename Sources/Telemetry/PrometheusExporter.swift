import CoreMetrics
import Foundation
import Prometheus
import SummarizerCore

/// The run's metrics in the Prometheus text format: a swift-metrics factory backed by a
/// registry of its own, and the text of that registry with each metric's `# HELP` line.
///
/// swift-metrics carries no help text, so the exposition adds the help of
/// ``MetricCatalogue`` before each metric's `# TYPE` line.
public final class PrometheusExporter: Sendable {
    /// The registry the factory's handles live in.
    public let registry: PrometheusCollectorRegistry
    /// The factory to pass to ``RunMetrics/init(factory:)``.
    public let factory: PrometheusMetricsFactory

    /// Stage latency buckets: from a 5 ms extraction to a 5-minute LLM call with its retries.
    static let stageBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(120),
        .seconds(300),
    ]

    /// An exporter with an empty registry of its own (never the process-wide default one).
    public init() {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets[MetricCatalogue.all.first { $0.kind == .histogram }?.name ?? ""] = Self.stageBuckets
        self.registry = registry
        self.factory = factory
    }

    /// The metrics now, in the Prometheus text exposition format (version 0.0.4).
    public func exposition() -> String {
        Self.addingHelp(to: registry.emitToString())
    }

    /// The content type of ``exposition()``.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// `text` with its metric families in name order (the registry keeps no order, and a stable
    /// one makes a file readable and diffable), each with a `# HELP` line before its `# TYPE`
    /// line when the catalogue knows it.
    static func addingHelp(to text: String) -> String {
        var families: [(name: String, lines: [Substring])] = []
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                let name = line.dropFirst("# TYPE ".count).split(separator: " ").first.map(String.init) ?? ""
                families.append((name, [line]))
            } else if families.isEmpty {
                families.append(("", [line]))
            } else {
                families[families.count - 1].lines.append(line)
            }
        }
        var output = ""
        output.reserveCapacity(text.utf8.count + 4096)
        for family in families.sorted(by: { $0.name < $1.name }) {
            if let entry = MetricCatalogue.entry(named: family.name) {
                output += "# HELP \(family.name) \(escapeHelp(entry.help))\n"
            }
            for line in family.lines {
                output += line
                output += "\n"
            }
        }
        return output
    }

    /// Help text escaped as the text format requires: backslash and newline.
    static func escapeHelp(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }
}
