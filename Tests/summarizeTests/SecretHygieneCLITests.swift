import Foundation
import PostgresNIO
import SummarizerCore
import SummarizerTesting
import SummarizerTestingPostgres
import Testing

/// A recognizable fake key goes through a failure at every stage, with --verbose; it must show up
/// in no output, log line, dead-letter record, report or error.
@Suite("secret hygiene")
struct SecretHygieneCLITests {
    static let key = "AIzaFAKE-hygiene-secret-7331"
    static let password = "pw-FAKE-hygiene-9917"

    /// Every file under `folder` and both output streams, checked for every secret.
    func expectNoSecret(_ results: [CLIRunner.Result], in folder: URL) throws {
        var texts = results.flatMap { [$0.stdout, $0.stderr] }
        let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)
        while let url = files?.nextObject() as? URL {
            // Records, dead letters, the run reports and the metrics file (not the configs that
            // hold the key on purpose).
            let output = url.pathExtension == "jsonl" || url.deletingLastPathComponent().lastPathComponent == "out"
            guard output, let data = FileManager.default.contents(atPath: url.path) else { continue }
            texts.append(String(decoding: data, as: UTF8.self))
        }
        for secret in [Self.key, Self.password] {
            for text in texts {
                #expect(!text.contains(secret), "a secret leaked: \(text.prefix(2000))")
            }
        }
    }

    @Test func theKeyAppearsNowhereThroughAFailureAtEveryStage() async throws {
        let page = try String(contentsOf: CLIRunner.repositoryRoot.appendingPathComponent("Examples/pages/week9-recap.html"), encoding: .utf8)
        let index = try String(
            contentsOf: CLIRunner.repositoryRoot.appendingPathComponent("Examples/pages/section-index-no-article.html"),
            encoding: .utf8
        )
        let server = try await LocalPageServer.start(routes: ["/good.html": .page(page), "/index.html": .page(index)])
        let fake = try await FakeGeminiServer.start(apiKey: Self.key)
        // The summarizer fails every call (500, retried), so the summarize stage fails too.
        fake.script(whenPromptContains: "Pioneers", [.status(500)])
        let folder = try CLIRunner.sandbox()
        defer { try? FileManager.default.removeItem(at: folder) }
        try "ftp://files.example/junk\n\(server.url("/missing.html"))\n\(server.url("/index.html"))\n\(server.url("/good.html"))\n"
            .write(to: folder.appendingPathComponent("urls.txt"), atomically: true, encoding: .utf8)
        func config(sinks: String = #"[{"type": "jsonl", "path": "out/summaries.jsonl"}]"#) -> String {
            """
            {
              "source": {"type": "urlFile", "path": "urls.txt"},
              "fetcher": {"type": "http", "allowAddresses": ["127.0.0.1/32"], "middleware": []},
              "extractor": {"type": "readability"},
              "summarizer": {"type": "gemini", "apiKey": "${GEMINI_API_KEY}", "baseURL": "\(fake.baseURL)", "middleware": ["retry"]},
              "sinks": \(sinks),
              "deadLetter": {"type": "jsonl", "path": "out/failed.jsonl"},
              "middleware": {"retry": {"type": "retry", "maxAttempts": 2, "baseDelaySeconds": 0.01}},
              "run": {"concurrency": 1}
            }
            """
        }
        try config().write(to: folder.appendingPathComponent("run.json"), atomically: true, encoding: .utf8)
        let environment = ["GEMINI_API_KEY": Self.key]

        let watched = [
            "--report-json", "out/report.json", "--report-html", "out/report.html", "--metrics-file", "out/summarize.prom",
        ]
        let stages = try await CLIRunner.run(["run", "--config", "run.json", "--verbose"] + watched, in: folder, environment: environment)
        #expect(stages.status == 1, "stderr: \(stages.stderr)")
        for file in ["report.json", "report.html", "summarize.prom"] {
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out/\(file)").path), "no \(file)")
        }
        // JSON logs carry the same metadata as text ones: the key must not be in them either.
        let jsonLogs = try await CLIRunner.run(
            ["run", "--config", "run.json", "--verbose", "--log-format", "json"],
            in: folder,
            environment: environment
        )
        let failures = try String(contentsOf: folder.appendingPathComponent("out/failed.jsonl"), encoding: .utf8)
        for stage in ["source", "fetch", "extract", "summarize"] {
            #expect(failures.contains("\"stage\":\"\(stage)\""), "no failure at the \(stage) stage")
        }

        // A key the service refuses: the run stops at the summarize stage.
        let refused = try await CLIRunner.run(
            ["run", "--config", "run.json", "--verbose"],
            in: folder,
            environment: ["GEMINI_API_KEY": Self.key + "-wrong"]
        )
        #expect(refused.status == 2)
        #expect(!refused.stdout.contains(Self.key) && !refused.stderr.contains(Self.key))

        // A sink that cannot be reached, with a password in its URL.
        try config(sinks: #"[{"type": "postgres", "timeoutSeconds": 1}]"#)
            .write(to: folder.appendingPathComponent("sink.json"), atomically: true, encoding: .utf8)
        let sinkEnvironment = environment.merging(["DATABASE_URL": "postgres://summarizer:\(Self.password)@127.0.0.1:1/news?sslmode=disable"]) { $1 }
        let sink = try await CLIRunner.run(
            ["run", "--config", "sink.json", "--verbose", "--report-json", "out/sink-report.json", "--report-html", "out/sink-report.html"],
            in: folder,
            environment: sinkEnvironment
        )
        #expect(sink.status == 2, "stderr: \(sink.stderr)")
        #expect(sink.stderr.contains("postgres://summarizer:<redacted>@127.0.0.1:1/news"))

        // validate and explain, with the key written into the config itself.
        try config().replacingOccurrences(of: "${GEMINI_API_KEY}", with: Self.key)
            .write(to: folder.appendingPathComponent("literal.json"), atomically: true, encoding: .utf8)
        let validate = try await CLIRunner.run(["validate", "--config", "literal.json"], in: folder)
        let explain = try await CLIRunner.run(["explain", "--config", "literal.json"], in: folder)
        let explainSink = try await CLIRunner.run(["explain", "--config", "sink.json"], in: folder, environment: sinkEnvironment)
        #expect(validate.status == 0 && explain.status == 0 && explainSink.status == 0)
        #expect(explain.stdout.contains("<redacted>") && explainSink.stdout.contains("<redacted>"))

        try await fake.shutdown()
        try await server.shutdown()
        try expectNoSecret([stages, jsonLogs, refused, sink, validate, explain, explainSink], in: folder)
    }

    @Test(.enabled(if: TestDatabase.available))
    func theSinkKeyAppearsNowhereWhenRowsAreRejectedAndBatchesRetried() async throws {
        try await TestDatabase.withMigrated { _, client in
            let fake = try await FakePostgREST.start(client: client, apiKey: Self.key, logger: TestDatabase.logger)
            fake.failNext(1, status: 503, matching: "POST /rest/v1/context_summaries")
            let folder = try CLIRunner.sandbox()
            defer { try? FileManager.default.removeItem(at: folder) }
            let pages = ["week9-recap", "column-analysis", "injury-update-jsonld"].map {
                CLIRunner.repositoryRoot.appendingPathComponent("Examples/pages/\($0).html")
            }
            try pages.map(\.path).joined(separator: "\n").write(to: folder.appendingPathComponent("urls.txt"), atomically: true, encoding: .utf8)
            // The last page has no news_urls row: its record breaks the foreign key and is rejected.
            for page in pages.dropLast() {
                let id = try #require(UUID(uuidString: WorkItem.derivedID(for: page.absoluteString)))
                try await client.query("insert into news_urls (id, url) values (\(id), \(page.absoluteString))", logger: TestDatabase.logger)
            }
            try """
            {
              "source": {"type": "urlFile", "path": "urls.txt"},
              "fetcher": {"type": "file"},
              "extractor": {"type": "readability"},
              "summarizer": {"type": "mock", "middleware": []},
              "sinks": [{"type": "supabase", "middleware": ["retry"]}],
              "deadLetter": {"type": "jsonl", "path": "out/failed.jsonl"},
              "middleware": {"retry": {"type": "retry", "maxAttempts": 2, "baseDelaySeconds": 0.01}}
            }
            """.write(to: folder.appendingPathComponent("supabase.json"), atomically: true, encoding: .utf8)
            let environment = ["SUPABASE_URL": fake.projectURL, "SUPABASE_SERVICE_KEY": Self.key]
            let run = try await CLIRunner.run(["run", "--config", "supabase.json", "--verbose"], in: folder, environment: environment)
            let explain = try await CLIRunner.run(["explain", "--config", "supabase.json"], in: folder, environment: environment)
            try await fake.shutdown()
            #expect(run.status == 1, "stderr: \(run.stderr)")
            #expect(run.stderr.contains("retries: 1"))
            let failures = try String(contentsOf: folder.appendingPathComponent("out/failed.jsonl"), encoding: .utf8)
            #expect(failures.contains("\"stage\":\"sink\"") && failures.contains("23503"))
            #expect(explain.stdout.contains("apiKey = <redacted>"), "\(explain.stdout)")
            try expectNoSecret([run, explain], in: folder)
        }
    }
}
