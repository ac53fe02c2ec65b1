import SummarizerCore
import SummarizerTesting
import Synchronization

/// A registry of test plugins, so core tests need no provider module.
enum TestRegistry {
    static func make() -> PluginRegistry {
        var registry = PluginRegistry()
        registry.register(
            Plugin(

                type: "list",
                summary: "test source",
                keys: [
                    ConfigKey("path", .path, required: true, doc: "a list"),
                    ConfigKey("count", .integer, default: .number(3), minimum: 1, doc: "how many"),
                ],
                runOptions: [.publisher],
                .source { config, _ in StaticSource(WorkItem.numbered(config.int("count") ?? 0)) }
            )
        )
        registry.register(
            Plugin(
                type: "page",
                summary: "test fetcher",
                .fetcher { _, _ in ClosureFetcher.serving { "text of \($0.url)" } }
            )
        )
        registry.register(
            Plugin(

                type: "text",
                summary: "test extractor",
                keys: [ConfigKey("args", .arguments, default: .array([]), doc: "a program's arguments")],
                .extractor { _, _ in ClosureExtractor.passThrough }
            )
        )
        registry.register(
            Plugin(

                type: "llm",
                summary: "test summarizer",
                keys: [
                    ConfigKey("apiKey", .string, required: true, secret: true, environment: ["TEST_API_KEY"], doc: "key"),
                    ConfigKey("model", .string, default: .string("m1"), environment: ["TEST_MODEL"], doc: "model"),
                    ConfigKey("temperature", .number, default: .number(0.1), doc: "t"),
                    ConfigKey("baseURL", .string, default: .string("https://llm.example"), doc: "endpoint"),
                    ConfigKey("mode", .string, default: .string("content"), allowed: ["content", "urlContext"], doc: "mode"),
                ],
                .summarizer { _, _ in ClosureSummarizer.echo }
            )
        )
        registry.register(
            Plugin(

                type: "memory",
                summary: "test sink",
                keys: [ConfigKey("batchSize", .integer, default: .number(100), minimum: 1, environment: ["BATCH_SIZE"], doc: "b")],
                .sink { _, _ in InMemorySink() }
            )
        )
        registry.register(
            Plugin(

                type: "memory",
                summary: "test dead letter",
                keys: [ConfigKey("path", .path, default: .string("out/failed.jsonl"), doc: "p")],
                .deadLetter { _, _ in InMemoryDeadLetterSink() }
            )
        )
        registry.register(
            Plugin(

                type: "jsonl",
                summary: "default dead letter",
                keys: [ConfigKey("path", .path, default: .string("out/failed.jsonl"), doc: "p")],
                .deadLetter { _, _ in InMemoryDeadLetterSink() }
            )
        )
        registry.register(
            Plugin(

                type: "tag",
                summary: "test middleware",
                keys: [ConfigKey("label", .string, default: .string("x"), doc: "label")],
                .middleware { config, _ in TagMiddleware(label: config.string("label") ?? "") }
            )
        )
        return registry
    }

    static let validConfig = """
        {
          "source": {"type": "list", "path": "urls.txt"},
          "fetcher": {"type": "page", "middleware": ["outer", "inner"]},
          "extractor": {"type": "text"},
          "summarizer": {"type": "llm", "apiKey": "${TEST_API_KEY}"},
          "sinks": [{"type": "memory"}, {"type": "memory", "batchSize": 5}],
          "deadLetter": {"type": "memory"},
          "middleware": {"outer": {"type": "tag", "label": "o"}, "inner": {"type": "tag", "label": "i"}},
          "run": {"concurrency": 2}
        }
        """
}

/// Records the order middleware run in.
struct TagMiddleware: StageMiddleware {
    var label: String
    var trace: TraceLog? = nil

    func handle<Output: Sendable>(_ call: StageCall, next: @Sendable (StageCall) async throws -> Output) async throws -> Output {
        trace?.append("enter \(label)")
        defer { trace?.append("leave \(label)") }
        return try await next(call)
    }

    var description: String { "tag \(label)" }
}

final class TraceLog: Sendable {
    private let entries = Mutex<[String]>([])
    func append(_ entry: String) { entries.withLock { $0.append(entry) } }
    var all: [String] { entries.withLock { $0 } }
}
