import Foundation
import SummarizerTesting
import Testing

@Suite("summarize CLI, end to end")
struct CLITests {
    static let articlePages = [
        "week9-recap", "trade-deadline-soup", "injury-update-jsonld", "stadium-vote-cookie-banner", "transfert-francais",
        "fichaje-windows-1252", "preview-week10", "column-analysis",
    ]

    func jsonLines(_ url: URL) throws -> [[String: Any]] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    @Test func rootConfigSummarizesEveryExampleAndDeadLettersTheRest() async throws {
        let folder = try CLIRunner.sandbox()
        let result = try await CLIRunner.run([], in: folder)
        #expect(result.status == 1, "stderr: \(result.stderr)")

        let records = try jsonLines(folder.appendingPathComponent("out/summaries.jsonl"))
        #expect(records.count == Self.articlePages.count)
        let pages = Set(records.compactMap { ($0["url"] as? String).flatMap { URL(string: $0)?.deletingPathExtension().lastPathComponent } })
        #expect(pages == Set(Self.articlePages))
        let fields = [
            "news_url_id", "url", "title", "summary_text", "summary", "key_points", "players_mentioned", "teams_mentioned",
            "game_references", "injury_updates", "article_type", "sentiment", "content_quality", "llm_model",
            "prompt_version", "fallback_used", "tokens", "processing_time_seconds", "generated_at", "extractor",
            "content_hash", "fetch_method", "input_truncated", "retrieval_status", "cost_usd",
        ]
        for record in records {
            #expect(Set(record.keys) == Set(fields))
            #expect((record["summary_text"] as? String)?.isEmpty == false)
            #expect(UUID(uuidString: record["news_url_id"] as? String ?? "") != nil)
            #expect(record["fetch_method"] as? String == "file")
            #expect((record["tokens"] as? [String: Int])?["total"] ?? 0 > 0)
        }
        let legacy = records.first { ($0["url"] as? String)?.contains("windows-1252") == true }
        #expect((legacy?["summary_text"] as? String)?.contains("José Peña") == true)

        let failures = try jsonLines(folder.appendingPathComponent("out/failed.jsonl"))
        #expect(failures.count == 1)
        #expect((failures.first?["url"] as? String)?.hasSuffix("section-index-no-article.html") == true)
        #expect(failures.first?["stage"] as? String == "extract")
        #expect(failures.first?["error_kind"] as? String == "invalidContent")

        // Standard output carries the records; the report goes to standard error.
        for title in ["Pioneers rally past Armadillos in overtime", "Peña firma con los Tiburones de Málaga"] {
            #expect(result.stdout.contains(title))
        }
        #expect(!result.stdout.contains("Run finished"))
        #expect(result.stderr.contains("Run finished"))
        #expect(result.stderr.contains("success_rate_percent"))
    }

    @Test func dryRunWritesNothing() async throws {
        let folder = try CLIRunner.sandbox()
        let result = try await CLIRunner.run(["run", "--dry-run", "--limit", "3"], in: folder)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("out").path))
        #expect(result.stdout.components(separatedBy: "file://").count - 1 == 3)
        #expect(result.stderr.contains("dry run"))
    }

    @Test func validateReportsAMisspeltKeyWithItsPointer() async throws {
        let folder = try CLIRunner.sandbox()
        let config = folder.appendingPathComponent("config.json")
        let text = try String(contentsOf: config, encoding: .utf8).replacingOccurrences(of: "\"concurrency\"", with: "\"concurency\"")
        try text.write(to: config, atomically: true, encoding: .utf8)
        let result = try await CLIRunner.run(["validate", "--config", "config.json"], in: folder)
        #expect(result.status == 78)
        #expect(result.stdout.contains("/run/concurency"))
        #expect(result.stdout.contains("did you mean \"concurrency\""))

        let run = try await CLIRunner.run(["run"], in: folder)
        #expect(run.status == 78)
        #expect(run.stderr.contains("/run/concurency"))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("out").path))
    }

    @Test func validateAcceptsTheRootConfig() async throws {
        let result = try await CLIRunner.run(["validate", "--config", "config.json"], in: CLIRunner.repositoryRoot)
        #expect(result.status == 0)
        #expect(result.stdout == "ok\n")
    }

    @Test func explainPrintsEveryStageWithItsChain() async throws {
        let result = try await CLIRunner.run(
            ["explain", "--config", "config.json"],
            in: CLIRunner.repositoryRoot,
            environment: ["RETRY_MAX_ATTEMPTS": "4"]
        )
        #expect(result.status == 0, "stderr: \(result.stderr)")
        for stage in [
            "source: urlFile", "fetcher: file", "extractor: readability", "summarizer: mock", "sinks[0]: stdout", "sinks[1]: jsonl",
            "deadLetter: jsonl",
        ] {
            #expect(result.stdout.contains(stage), "missing \(stage)")
        }
        #expect(
            result.stdout.contains(
                "middleware (from the config): retry \"llmRetry\" (4, 2s x2, full jitter, max 30s, hints up to 120s) -> rateLimit \"llmRateLimit\" (600/min, burst 10, this process only)"
            )
        )
        #expect(result.stdout.contains("circuitBreaker \"domainBreaker\" per domain (5 failures, open 300s, 1 probe)"))
        #expect(result.stdout.contains("maxAttempts = 4  (environment)"))
        #expect(result.stdout.contains("concurrency = 4  (file)"))
    }

    @Test func missingConfigIsAConfigurationError() async throws {
        let folder = try CLIRunner.sandbox()
        let result = try await CLIRunner.run(["run", "--config", "nope.json"], in: folder)
        #expect(result.status == 78)
        #expect(result.stderr.contains("nope.json"))
    }

    @Test func pluginsListsEveryPluginAndDescribesKeys() async throws {
        let list = try await CLIRunner.run(["plugins"], in: CLIRunner.repositoryRoot)
        #expect(list.status == 0)
        for name in ["urlFile", "stdin", "directory", "file", "plainText", "mock", "stdout", "jsonl"] {
            #expect(list.stdout.contains("  \(name) "), "missing \(name)")
        }
        let mock = try await CLIRunner.run(["plugins", "describe", "mock"], in: CLIRunner.repositoryRoot)
        #expect(mock.status == 0)
        for key in ["model (string; default \"mock-extractive-1\")", "latencyMilliseconds (integer; default 0", "failEvery", "failureKind"] {
            #expect(mock.stdout.contains(key), "missing \(key)")
        }
        let jsonl = try await CLIRunner.run(["plugins", "describe", "jsonl"], in: CLIRunner.repositoryRoot)
        #expect(jsonl.stdout.contains("jsonl (sink)"))
        #expect(jsonl.stdout.contains("jsonl (deadLetter)"))
        let unknown = try await CLIRunner.run(["plugins", "describe", "mok"], in: CLIRunner.repositoryRoot)
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("did you mean \"mock\""))
    }

    @Test func theCommittedPluginReferenceIsWhatTheRegistryPrints() async throws {
        let result = try await CLIRunner.run(["plugins", "--markdown"], in: CLIRunner.repositoryRoot)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("| extractor | [`readability`](#readability-extractor) |"))
        let committed = try String(
            contentsOf: CLIRunner.repositoryRoot.appendingPathComponent("docs/plugin-reference.md"),
            encoding: .utf8
        )
        #expect(
            committed == result.stdout,
            "docs/plugin-reference.md is out of date: run `swift run summarize plugins --markdown > docs/plugin-reference.md`"
        )
    }

    @Test func anOptionNoPluginHonoursIsAUsageError() async throws {
        let folder = try CLIRunner.sandbox()
        let result = try await CLIRunner.run(["run", "--enable-grounding"], in: folder)
        #expect(result.status == 64)
        #expect(result.stderr.contains("--enable-grounding: the \"mock\" summarizer cannot honour this option"))
        let badLimit = try await CLIRunner.run(["run", "--limit", "0"], in: folder)
        #expect(badLimit.status == 64)
    }

    @Test func modelFlagReachesTheSummarizerAndStdinSourceWorks() async throws {
        let folder = try CLIRunner.sandbox()
        let config = """
            {
              "source": {"type": "stdin"},
              "fetcher": {"type": "file"},
              "extractor": {"type": "plainText"},
              "summarizer": {"type": "mock"},
              "sinks": [{"type": "stdout", "format": "jsonl"}],
              "deadLetter": {"type": "jsonl", "path": "out/failed.jsonl"}
            }
            """
        try config.write(to: folder.appendingPathComponent("stdin.json"), atomically: true, encoding: .utf8)
        let input = "Examples/pages/week9-recap.html\nExamples/pages/column-analysis.html\n"
        let result = try await CLIRunner.run(["run", "--config", "stdin.json", "--model", "mock-2"], in: folder, stdin: input)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.allSatisfy { $0.contains("\"llm_model\":\"mock-2\"") })
    }
}

@Suite("summarize CLI with the http fetcher")
struct HTTPFetcherCLITests {
    func config(allow: [String]?) -> String {
        let allowKey = allow.map { ", \"allowAddresses\": [\($0.map { "\"\($0)\"" }.joined(separator: ", "))]" } ?? ""
        return """
            {
              "source": {"type": "urlFile", "path": "urls.txt"},
              "fetcher": {"type": "http", "timeoutSeconds": 5\(allowKey)},
              "extractor": {"type": "plainText"},
              "summarizer": {"type": "mock", "middleware": []},
              "sinks": [{"type": "jsonl", "path": "out/summaries.jsonl"}],
              "deadLetter": {"type": "jsonl", "path": "out/failed.jsonl"}
            }
            """
    }

    @Test func theAddressPolicyRefusesMetadataAndLoopbackUnlessAllowed() async throws {
        let page = try String(contentsOf: CLIRunner.repositoryRoot.appendingPathComponent("Examples/pages/week9-recap.html"), encoding: .utf8)
        let server = try await LocalPageServer.start(routes: ["/page.html": .page(page)])
        do {
            try await runAgainst(server)
        } catch {
            try await server.shutdown()
            throw error
        }
        try await server.shutdown()
    }

    func runAgainst(_ server: LocalPageServer) async throws {
        let folder = try CLIRunner.sandbox()
        try "http://169.254.169.254/latest/meta-data/\n\(server.url("/page.html"))\n"
            .write(to: folder.appendingPathComponent("urls.txt"), atomically: true, encoding: .utf8)

        try config(allow: nil).write(to: folder.appendingPathComponent("http.json"), atomically: true, encoding: .utf8)
        let refused = try await CLIRunner.run(["run", "--config", "http.json"], in: folder)
        #expect(refused.status == 1, "stderr: \(refused.stderr)")
        let failures = try String(contentsOf: folder.appendingPathComponent("out/failed.jsonl"), encoding: .utf8)
            .split(separator: "\n").compactMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(failures.count == 2)
        #expect(failures.allSatisfy { $0["error_kind"] as? String == "blocked" && $0["reason"] as? String == "address-policy" })
        #expect(failures.contains { ($0["message"] as? String)?.contains("link-local address 169.254.169.254") == true })
        #expect(failures.contains { ($0["message"] as? String)?.contains("loopback address 127.0.0.1") == true })
        #expect(server.requestCount == 0)

        try FileManager.default.removeItem(at: folder.appendingPathComponent("out"))
        try config(allow: ["127.0.0.1/32"]).write(to: folder.appendingPathComponent("http.json"), atomically: true, encoding: .utf8)
        let allowed = try await CLIRunner.run(["run", "--config", "http.json"], in: folder)
        #expect(allowed.status == 1)
        let records = try String(contentsOf: folder.appendingPathComponent("out/summaries.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(records.count == 1)
        #expect(records.first?.contains("\"fetch_method\":\"direct\"") == true)
        #expect(records.first?.contains("Pioneers") == true)
        let stillRefused = try String(contentsOf: folder.appendingPathComponent("out/failed.jsonl"), encoding: .utf8)
        #expect(stillRefused.contains("169.254.169.254"))
        #expect(!stillRefused.contains("127.0.0.1"))
    }

    @Test func aBadAllowListEntryIsAConfigurationError() async throws {
        let folder = try CLIRunner.sandbox()
        try "".write(to: folder.appendingPathComponent("urls.txt"), atomically: true, encoding: .utf8)
        try config(allow: ["127.0.0.1/32", "localhost"]).write(to: folder.appendingPathComponent("http.json"), atomically: true, encoding: .utf8)
        let result = try await CLIRunner.run(["run", "--config", "http.json"], in: folder)
        #expect(result.status == 78)
        #expect(result.stderr.contains("/fetcher/allowAddresses/1"))
    }

    @Test func everyExampleConfigValidatesAndTheShippedNewsSchemaIsTheBuiltInOne() async throws {
        let examples = CLIRunner.repositoryRoot.appendingPathComponent("Examples")
        let configs = try FileManager.default.contentsOfDirectory(atPath: examples.path).filter { $0.hasSuffix(".config.json") }
        #expect(configs.count >= 4)
        for config in configs {
            let result = try await CLIRunner.run(
                ["validate", "--config", "Examples/\(config)"],
                in: CLIRunner.repositoryRoot,
                environment: ["GEMINI_API_KEY": "k"]
            )
            #expect(result.stdout == "ok\n", "\(config): \(result.stdout)")
        }
        let printed = try await CLIRunner.run(["schema"], in: CLIRunner.repositoryRoot)
        let shipped = try String(contentsOf: examples.appendingPathComponent("schemas/news.schema.json"), encoding: .utf8)
        #expect(printed.stdout == shipped)
    }

    @Test func aBadSchemaFileIsAConfigErrorNamingTheKeyAndTheSpot() async throws {
        let folder = try CLIRunner.sandbox()
        try #"{"type": "object", "properties": {"summary": {"type": "number"}}, "required": ["summary"]}"#
            .write(to: folder.appendingPathComponent("bad.schema.json"), atomically: true, encoding: .utf8)
        let config = try String(contentsOf: folder.appendingPathComponent("config.json"), encoding: .utf8)
            .replacingOccurrences(of: #""type": "mock","#, with: #""type": "mock", "schemaFile": "bad.schema.json","#)
        try config.write(to: folder.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        let result = try await CLIRunner.run(["validate"], in: folder)
        #expect(result.status == 78)
        #expect(result.stdout.contains("/summarizer/schemaFile:"))
        #expect(result.stdout.contains("at /properties/summary/type: unsupported type"))
    }

}

/// Whether the trafilatura example can run here (it needs `pip install trafilatura`).
let trafilaturaInstalled: Bool = {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", "import trafilatura"]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return false }
    process.waitUntilExit()
    return process.terminationStatus == 0
}()

@Suite("summarize with the exec extractor")
struct ExecExtractorCLITests {
    @Test(.enabled(if: trafilaturaInstalled, "trafilatura is not installed (pip install trafilatura)"))
    func theTrafilaturaExampleRunsEndToEnd() async throws {
        let folder = try CLIRunner.sandbox()
        let root = CLIRunner.repositoryRoot.path
        let config = """
            {
              "source": {"type": "urlFile", "path": "\(root)/Examples/urls.txt"},
              "fetcher": {"type": "file"},
              "extractor": {"type": "exec", "command": "python3", "args": ["\(root)/Examples/exec/trafilatura_worker.py"], "name": "trafilatura"},
              "summarizer": {"type": "mock", "middleware": []},
              "sinks": [{"type": "jsonl", "path": "out/summaries.jsonl"}],
              "deadLetter": {"type": "jsonl", "path": "out/failed.jsonl"}
            }
            """
        try config.write(to: folder.appendingPathComponent("trafilatura.json"), atomically: true, encoding: .utf8)
        let result = try await CLIRunner.run(["run", "--config", "trafilatura.json"], in: folder)
        let records = (try? String(contentsOf: folder.appendingPathComponent("out/summaries.jsonl"), encoding: .utf8))?.split(separator: "\n") ?? []
        #expect(records.count >= 5, "\(result.stderr)")
        #expect(records.allSatisfy { $0.contains("\"extractor\":\"trafilatura\"") })
        #expect(records.contains { $0.contains("Pioneers") })
    }

    @Test func anExecConfigValidatesAndABadArgumentIsAConfigError() async throws {
        let folder = try CLIRunner.sandbox()
        try """
        {"source": {"type": "stdin"}, "fetcher": {"type": "file"},
         "extractor": {"type": "exec", "command": "python3", "args": ["worker.py", 3]},
         "summarizer": {"type": "mock"}, "sinks": [{"type": "stdout"}]}
        """.write(to: folder.appendingPathComponent("bad.json"), atomically: true, encoding: .utf8)
        let result = try await CLIRunner.run(["validate", "--config", "bad.json"], in: folder)
        #expect(result.status == 78)
        #expect(result.stdout.contains("/extractor/args"), "\(result.stdout)")
    }
}

@Suite("summarize new-plugin")
struct NewPluginCLITests {
    /// A folder shaped like the package: the LocalPlugins registry, copied from the repository,
    /// beside the sandbox's link to Examples, where the templates are.
    static func package() throws -> URL {
        let folder = try CLIRunner.sandbox()
        let registry = folder.appendingPathComponent("Sources/LocalPlugins/LocalPluginsPlugins.swift")
        try FileManager.default.createDirectory(at: registry.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: CLIRunner.repositoryRoot.appendingPathComponent("Sources/LocalPlugins/LocalPluginsPlugins.swift"),
            to: registry
        )
        return folder
    }

    @Test func writesThePluginItsTestAndFixtureAndListsIt() async throws {
        let folder = try Self.package()
        let result = try await CLIRunner.run(["new-plugin", "--role", "extractor", "--name", "Headline"], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Wrote the extractor plugin \"headline\""))
        #expect(result.stdout.contains("swift test --filter LocalPluginsTests"))
        for path in [
            "Sources/LocalPlugins/HeadlineExtractor.swift", "Tests/LocalPluginsTests/HeadlineExtractorTests.swift",
            "Tests/LocalPluginsTests/Fixtures/HeadlineExtractor.html",
        ] {
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(path).path), "\(path)")
        }
        let source = try String(contentsOf: folder.appendingPathComponent("Sources/LocalPlugins/HeadlineExtractor.swift"), encoding: .utf8)
        #expect(source.contains("public struct HeadlineExtractor: ContentExtractor"))
        #expect(source.contains("type: \"headline\""))
        #expect(source.contains(".extractor { config, _ in try config.decode(HeadlineExtractor.self) }"))
        #expect(!source.contains("__TYPE__") && !source.contains("__PLUGIN__"))
        let registry = try String(contentsOf: folder.appendingPathComponent("Sources/LocalPlugins/LocalPluginsPlugins.swift"), encoding: .utf8)
        #expect(registry.contains("        HeadlineExtractor.plugin,\n        // new-plugin:"))
        // The entry above gets its comma back: the formatted file has none after a lone element.
        #expect(registry.contains("        MetadataExtractor.plugin,\n        HeadlineExtractor.plugin,\n"))

        // A second plugin goes in beside it; the same one again is refused and nothing changes.
        #expect(try await CLIRunner.run(["new-plugin", "--role", "sink", "--name", "CSVFile"], in: folder).status == 0)
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("Sources/LocalPlugins/CSVFileSink.swift").path))
        let sink = try String(contentsOf: folder.appendingPathComponent("Sources/LocalPlugins/CSVFileSink.swift"), encoding: .utf8)
        #expect(sink.contains("type: \"csvFile\""))
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("Tests/LocalPluginsTests/Fixtures/CSVFileSink.tsv").path))

        // Middleware has no fixture: only the plugin and its test are written.
        let middleware = try await CLIRunner.run(["new-plugin", "--role", "middleware", "--name", "SlowCall"], in: folder)
        #expect(middleware.status == 0, "\(middleware.stderr)")
        #expect(middleware.stdout.contains("\"middleware\": [\"slowCall\"] in a stage"))
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("Tests/LocalPluginsTests/SlowCallMiddlewareTests.swift").path))
        let again = try await CLIRunner.run(["new-plugin", "--role", "extractor", "--name", "Headline"], in: folder)
        #expect(again.status != 0)
        #expect(again.stderr.contains("not overwriting Sources/LocalPlugins/HeadlineExtractor.swift"))
        let unchanged = try String(contentsOf: folder.appendingPathComponent("Sources/LocalPlugins/LocalPluginsPlugins.swift"), encoding: .utf8)
        #expect(unchanged.components(separatedBy: "HeadlineExtractor.plugin,").count == 2)
    }

    @Test func aBadRoleOrNameOrFolderIsAClearError() async throws {
        let folder = try Self.package()
        let role = try await CLIRunner.run(["new-plugin", "--role", "parser", "--name", "Headline"], in: folder)
        #expect(role.status == 64)
        #expect(role.stderr.contains("--role \"parser\" is not one of source, fetcher, extractor, summarizer, sink, middleware"))
        for name in ["headline", "Head-line", "Héadline", ""] {
            let result = try await CLIRunner.run(["new-plugin", "--role", "sink", "--name", name], in: folder)
            #expect(result.status == 64, "\(name)")
            #expect(result.stderr.contains("must be UpperCamelCase"), "\(name): \(result.stderr)")
        }
        let elsewhere = try await CLIRunner.run(["new-plugin", "--role", "sink", "--name", "Csv"], in: try CLIRunner.sandbox())
        #expect(elsewhere.status != 0)
        #expect(elsewhere.stderr.contains("LocalPluginsPlugins.swift is missing"))
    }
}
