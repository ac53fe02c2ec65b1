import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SummarizerCore
import SummarizerTesting
import Testing

/// `summarize serve` as a deployment runs it: the built binary on loopback, the mock summarizer,
/// pages from a local server over the http fetcher.
@Suite("summarize serve")
struct ServeCLITests {
    /// A running service in a sandbox folder, and how to talk to it.
    struct Service {
        let folder: URL
        let process: CLIRunner.Running
        let base: String

        struct Answer {
            var status: Int
            var headers: HTTPHeaders
            var body: String
            var json: JSONValue? { try? JSONValue.parse(Data(body.utf8)) }
        }

        func request(
            _ method: HTTPMethod,
            _ path: String,
            body: String? = nil,
            token: String? = nil,
            timeout: Duration = .seconds(30)
        ) async throws
            -> Answer
        {
            var request = HTTPClientRequest(url: base + path)
            request.method = method
            if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
            if let body {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(string: body))
            }
            let response = try await HTTPClient.shared.execute(request, timeout: .init(timeout))
            let collected = try await response.body.collect(upTo: 32 << 20)
            return Answer(status: Int(response.status.code), headers: response.headers, body: String(buffer: collected))
        }

        /// Polls a run until it ends; returns its last state.
        func waitForRun(_ id: String, token: String? = nil) async throws -> JSONValue {
            for _ in 0..<600 {
                let run = try await request(.GET, "/v1/runs/\(id)", token: token).json
                if let state = run?.objectValue?["state"]?.stringValue, ["finished", "failed"].contains(state) { return run ?? .null }
                try await Task.sleep(for: .milliseconds(50))
            }
            throw CancellationError()
        }

        func stop() async throws -> CLIRunner.Result {
            process.send(SIGTERM)
            return try await process.wait()
        }
    }

    /// Serves `pages` copies of an article page at /article/N and a page without an article at /empty.
    static func pageServer(pages: Int = 30) async throws -> LocalPageServer {
        let article = try String(contentsOf: CLIRunner.repositoryRoot.appendingPathComponent("Examples/pages/week9-recap.html"), encoding: .utf8)
        let empty = try String(
            contentsOf: CLIRunner.repositoryRoot.appendingPathComponent("Examples/pages/section-index-no-article.html"),
            encoding: .utf8
        )
        var routes: [String: LocalPageServer.Behaviour] = ["/empty": .page(empty)]
        for index in 0..<pages { routes["/article/\(index)"] = .page(article) }
        return try await LocalPageServer.start(routes: routes)
    }

    /// Starts `summarize serve` on a free port with a config over `urls` of `pages`.
    static func start(
        pages: LocalPageServer,
        urls: Int = 6,
        perSecond: Int? = nil,
        serve: String = "{}",
        sinkPath: String = "out/summaries.jsonl",
        environment: [String: String] = [:]
    ) async throws -> Service {
        let folder = try CLIRunner.sandbox()
        // A regular file where the sink wants a folder: its start-up check fails.
        try "".write(to: folder.appendingPathComponent("blocker"), atomically: true, encoding: .utf8)
        try ((0..<urls).map { pages.url("/article/\($0)") }.joined(separator: "\n") + "\n")
            .write(to: folder.appendingPathComponent("urls.txt"), atomically: true, encoding: .utf8)
        // "pace": a rate limit that makes a run last long enough to be stopped mid-way.
        let middleware = perSecond == nil ? #""middleware": []"# : #""middleware": ["pace"]"#
        let pace = perSecond.map { #", "middleware": {"pace": {"type": "rateLimit", "requestsPerSecond": \#($0), "burst": 1}}"# } ?? ""
        let config = """
            {"source": {"type": "urlFile", "path": "urls.txt"},
             "fetcher": {"type": "http", "allowAddresses": ["127.0.0.1/32"], "middleware": []},
             "extractor": {"type": "readability"},
             "summarizer": {"type": "mock", \(middleware)},
             "sinks": [{"type": "jsonl", "path": "\(sinkPath)"}],
             "deadLetter": {"type": "jsonl", "path": "out/failed.jsonl"},
             "run": {"concurrency": 2, "batchSize": 1, "shutdownGraceSeconds": 10},
             "serve": \(serve)\(pace)}
            """
        try config.write(to: folder.appendingPathComponent("serve.json"), atomically: true, encoding: .utf8)
        let process = try CLIRunner.start(["serve", "--config", "serve.json", "--listen", "127.0.0.1:0"], in: folder, environment: environment)
        for _ in 0..<200 {
            if let base = try Self.address(in: folder) { return Service(folder: folder, process: process, base: base) }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let result = try await process.wait(timeout: .seconds(5))
        Issue.record("the service did not start: \(result.stderr)")
        throw CancellationError()
    }

    /// The URL the service printed it serves at, from its standard error.
    static func address(in folder: URL) throws -> String? {
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix(".stderr-") }
        for file in files {
            let text = (try? String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)) ?? ""
            if let range = text.range(of: #"url=http://127\.0\.0\.1:[0-9]+"#, options: .regularExpression) {
                return String(text[range].dropFirst(4))
            }
        }
        return nil
    }

    static func lines(_ folder: URL, _ path: String = "out/summaries.jsonl") -> [String] {
        let text = (try? String(contentsOf: folder.appendingPathComponent(path), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    @Test(.timeLimit(.minutes(2)))
    func everyEndpointAndErrorStatusWithoutAuth() async throws {
        let pages = try await Self.pageServer()
        let service = try await Self.start(pages: pages)
        defer { try? FileManager.default.removeItem(at: service.folder) }

        #expect(try await service.request(.GET, "/healthz").body == #"{"status":"ok"}"#)
        let ready = try await service.request(.GET, "/readyz")
        #expect(ready.status == 200, "\(ready.body)")
        let openapi = try await service.request(.GET, "/openapi.json")
        let committed = try String(contentsOf: CLIRunner.repositoryRoot.appendingPathComponent("docs/openapi.json"), encoding: .utf8)
        #expect(
            openapi.json == (try JSONValue.parse(Data(committed.utf8))),
            "docs/openapi.json is out of date: run summarize serve --openapi > docs/openapi.json"
        )

        // A run: 202 with Location, then its counts, report and exit code.
        let started = try await service.request(.POST, "/v1/runs", body: #"{"limit": 3}"#)
        #expect(started.status == 202, "\(started.body)")
        let id = try #require(started.json?.objectValue?["id"]?.stringValue)
        #expect(started.headers.first(name: "Location") == "/v1/runs/\(id)")
        let run = try await service.waitForRun(id)
        #expect(run.objectValue?["state"]?.stringValue == "finished", "\(run)")
        #expect(run.objectValue?["exitCode"]?.intValue == 0)
        #expect(run.objectValue?["counts"]?.objectValue?["written"]?.intValue == 3)
        #expect(run.objectValue?["report"]?.objectValue?["schemaVersion"]?.intValue == 1)
        #expect(Self.lines(service.folder).count == 3)
        let list = try await service.request(.GET, "/v1/runs").json
        #expect(list?.objectValue?["runs"]?.arrayValue?.first?.objectValue?["id"]?.stringValue == id)
        #expect(try await service.request(.GET, "/v1/runs/no-such-run").status == 404)
        #expect(try await service.request(.DELETE, "/v1/runs/no-such-run").status == 404)

        // One item: fetched, or from the HTML sent; written only when asked.
        let fetched = try await service.request(.POST, "/v1/summarize", body: #"{"url": "\#(pages.url("/article/20"))"}"#)
        #expect(fetched.status == 200, "\(fetched.body)")
        #expect(fetched.json?.objectValue?["summary_text"]?.stringValue?.isEmpty == false)
        #expect(fetched.json?.objectValue?["fetch_method"]?.stringValue == "direct")
        let html = try String(contentsOf: CLIRunner.repositoryRoot.appendingPathComponent("Examples/pages/week9-recap.html"), encoding: .utf8)
        let sent = try await service.request(
            .POST,
            "/v1/summarize",
            body: JSONValue.object(["url": "https://news.example/week9", "html": .string(html), "write": true]).description
        )
        #expect(sent.status == 200, "\(sent.body)")
        #expect(sent.json?.objectValue?["fetch_method"]?.stringValue == "provided")
        #expect(Self.lines(service.folder).count == 4, "write: true did not write the record")
        #expect(Self.lines(service.folder).last?.contains("news.example/week9") == true)

        // Failures: the record with its stage and kind, 422.
        let empty = try await service.request(.POST, "/v1/summarize", body: #"{"url": "\#(pages.url("/empty"))"}"#)
        #expect(empty.status == 422)
        #expect(empty.json?.objectValue?["stage"]?.stringValue == "extract")
        #expect(empty.json?.objectValue?["error_kind"]?.stringValue == "invalidContent")
        let refused = try await service.request(.POST, "/v1/summarize", body: #"{"url": "http://10.1.2.3/private"}"#)
        #expect(refused.status == 422, "\(refused.body)")
        #expect(refused.json?.objectValue?["stage"]?.stringValue == "fetch")
        #expect(refused.json?.objectValue?["error_kind"]?.stringValue == "blocked")
        #expect(refused.json?.objectValue?["message"]?.stringValue?.contains("10.1.2.3") == true)

        // Bad input: 400 naming the JSON pointer, 413 over the body limit, 405 for a wrong method.
        for (body, pointer) in [
            ("{not json", ""), ("[1]", ""), (#"{"limit": "3"}"#, "/limit"), (#"{"limit": 0}"#, "/limit"), (#"{"limitt": 3}"#, "/limitt"),
            (#"{"urlIds": []}"#, "/urlIds"), (#"{"urlIds": ["a", 2]}"#, "/urlIds/1"), (#"{"dryRun": "yes"}"#, "/dryRun"),
        ] {
            let answer = try await service.request(.POST, "/v1/runs", body: body)
            #expect(answer.status == 400, "\(body): \(answer.body)")
            #expect(answer.json?.objectValue?["error"]?.objectValue?["pointer"]?.stringValue == pointer, "\(body): \(answer.body)")
        }
        let typo = try await service.request(.POST, "/v1/runs", body: #"{"limitt": 3}"#)
        #expect(typo.body.contains(#"did you mean \"limit\""#), "\(typo.body)")
        for (body, pointer) in [
            ("{}", "/url"), (#"{"url": "file:///etc/passwd"}"#, "/url"), (#"{"url": "https://a.example", "write": 1}"#, "/write"),
        ] {
            let answer = try await service.request(.POST, "/v1/summarize", body: body)
            #expect(answer.status == 400, "\(body): \(answer.body)")
            #expect(answer.json?.objectValue?["error"]?.objectValue?["pointer"]?.stringValue == pointer, "\(body): \(answer.body)")
        }
        let large = try await service.request(
            .POST,
            "/v1/summarize",
            body: #"{"url": "https://a.example", "html": "\#(String(repeating: "x", count: 1_100_000))"}"#
        )
        #expect(large.status == 413)
        let wrongMethod = try await service.request(.PUT, "/v1/runs")
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.headers.first(name: "Allow") == "GET, POST")
        #expect(try await service.request(.GET, "/v2/nothing").status == 404)
        // An option the configured plugins cannot honour: 422 naming the field.
        let resummarize = try await service.request(.POST, "/v1/runs", body: #"{"resummarize": true}"#)
        #expect(resummarize.status == 422)
        #expect(resummarize.json?.objectValue?["error"]?.objectValue?["pointer"]?.stringValue == "/resummarize")

        // Every operation of the document is routed (no 404 or 405 for a documented method).
        let document = try #require(openapi.json?.objectValue?["paths"]?.objectValue)
        for (path, operations) in document {
            for method in (operations.objectValue ?? [:]).keys where method != "parameters" {
                let body = method == "post" ? (path == "/v1/summarize" ? #"{"url": "\#(pages.url("/article/1"))"}"# : #"{"limit": 1}"#) : nil
                let answer = try await service.request(
                    HTTPMethod(rawValue: method.uppercased()),
                    path.replacingOccurrences(of: "{id}", with: id),
                    body: body
                )
                #expect(![404, 405].contains(answer.status), "\(method) \(path): \(answer.status) \(answer.body.prefix(300))")
            }
        }

        let metrics = try await service.request(.GET, "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.body.contains("summarize_items_total"), "\(metrics.body.prefix(500))")

        let result = try await service.stop()
        #expect(result.status == 143, "\(result.stderr.suffix(2000))")
        #expect(!result.stderr.contains("internal error"))
        try await pages.shutdown()
    }

    @Test(.timeLimit(.minutes(2)))
    func bearerTokensGuardEverythingButTheOpenEndpoints() async throws {
        let pages = try await Self.pageServer()
        let tokens = "first-token-7d1e,second-token-93ab"
        let service = try await Self.start(pages: pages, serve: #"{"openEndpoints": ["healthz"]}"#, environment: ["SUMMARIZE_API_TOKENS": tokens])
        defer { try? FileManager.default.removeItem(at: service.folder) }

        let missing = try await service.request(.GET, "/v1/runs")
        #expect(missing.status == 401)
        #expect(missing.headers.first(name: "WWW-Authenticate")?.hasPrefix("Bearer") == true)
        let wrong = try await service.request(.GET, "/v1/runs", token: "first-token-7d1f")
        #expect(wrong.status == 401)
        #expect(wrong.headers.first(name: "WWW-Authenticate")?.contains("invalid_token") == true)
        #expect(try await service.request(.GET, "/v1/runs", token: "second-token-93ab").status == 200)
        #expect(try await service.request(.POST, "/v1/summarize", body: "{}").status == 401)
        // Open by config: health; behind the token: readiness and metrics; always open: the document.
        #expect(try await service.request(.GET, "/healthz").status == 200)
        #expect(try await service.request(.GET, "/readyz").status == 401)
        #expect(try await service.request(.GET, "/readyz", token: "first-token-7d1e").status == 200)
        #expect(try await service.request(.GET, "/metrics").status == 401)
        #expect(try await service.request(.GET, "/openapi.json").status == 200)

        let result = try await service.stop()
        #expect(result.status == 143)
        for token in ["first-token-7d1e", "second-token-93ab"] {
            #expect(!result.stderr.contains(token) && !result.stdout.contains(token), "a token was logged")
        }
        #expect(result.stderr.contains("auth=bearer (2 tokens)"))
        try await pages.shutdown()
    }

    @Test(.timeLimit(.minutes(2)))
    func aSinkThatFailsItsStartUpCheckMakesTheServiceNotReady() async throws {
        let pages = try await Self.pageServer()
        let service = try await Self.start(pages: pages, sinkPath: "blocker/summaries.jsonl")
        defer { try? FileManager.default.removeItem(at: service.folder) }
        #expect(try await service.request(.GET, "/healthz").status == 200)
        let ready = try await service.request(.GET, "/readyz")
        #expect(ready.status == 503)
        #expect(ready.json?.objectValue?["ready"] == .bool(false))
        let reasons = ready.json?.objectValue?["reasons"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(reasons.contains { $0.hasPrefix("sinks[0] (jsonl) fails its start-up check") }, "\(reasons)")
        // Summaries that write nothing still work; one to write cannot be written.
        #expect(try await service.request(.POST, "/v1/summarize", body: #"{"url": "\#(pages.url("/article/1"))"}"#).status == 200)
        #expect(try await service.request(.POST, "/v1/summarize", body: #"{"url": "\#(pages.url("/article/1"))", "write": true}"#).status == 503)
        _ = try await service.stop()
        try await pages.shutdown()
    }

    @Test(.timeLimit(.minutes(2)))
    func aSecondRunIsRefusedAndDeleteStopsARunGracefully() async throws {
        let pages = try await Self.pageServer()
        let service = try await Self.start(pages: pages, urls: 30, perSecond: 2)
        defer { try? FileManager.default.removeItem(at: service.folder) }

        let first = try await service.request(.POST, "/v1/runs", body: "{}")
        #expect(first.status == 202)
        let id = try #require(first.json?.objectValue?["id"]?.stringValue)
        let second = try await service.request(.POST, "/v1/runs", body: "{}")
        #expect(second.status == 429)
        #expect(second.headers.first(name: "Retry-After") != nil)
        // write: true waits for the run to have the sinks to itself.
        let write = try await service.request(.POST, "/v1/summarize", body: #"{"url": "\#(pages.url("/article/29"))", "write": true}"#)
        #expect(write.status == 409, "\(write.body)")

        while Self.lines(service.folder).count < 2 { try await Task.sleep(for: .milliseconds(50)) }
        let stopping = try await service.request(.DELETE, "/v1/runs/\(id)")
        #expect(stopping.status == 202)
        #expect(["stopping", "finished"].contains(stopping.json?.objectValue?["state"]?.stringValue ?? ""), "\(stopping.body)")
        let run = try await service.waitForRun(id)
        #expect(run.objectValue?["state"]?.stringValue == "finished")
        #expect(run.objectValue?["exitCode"]?.intValue == 143)
        let written = try #require(run.objectValue?["counts"]?.objectValue?["written"]?.intValue)
        #expect(written < 30, "the run was not stopped")
        // Stopped gracefully: what it counts as written is in the file.
        #expect(Self.lines(service.folder).count == written)
        #expect(try await service.request(.POST, "/v1/runs", body: #"{"limit": 1}"#).status == 202, "the slot was not freed")

        let result = try await service.stop()
        #expect(result.status == 143)
        try await pages.shutdown()
    }

    @Test(.timeLimit(.minutes(2)))
    func sigtermMidRunFinishesRequestsFlushesAndExits143() async throws {
        let pages = try await Self.pageServer()
        let service = try await Self.start(pages: pages, urls: 30, perSecond: 2)
        defer { try? FileManager.default.removeItem(at: service.folder) }

        #expect(try await service.request(.POST, "/v1/runs", body: "{}").status == 202)
        while Self.lines(service.folder).count < 2 { try await Task.sleep(for: .milliseconds(50)) }
        let result = try await service.stop()
        #expect(result.status == 143, "\(result.stderr.suffix(2000))")
        #expect(result.stderr.contains("SIGTERM received"))
        #expect(result.stderr.contains("run ended"), "the run was not waited for: \(result.stderr.suffix(2000))")
        let written = Self.lines(service.folder)
        #expect(written.count >= 2 && written.count < 30)
        // Every line is a whole record: the sink was flushed, not cut.
        for line in written { #expect((try? JSONValue.parse(Data(line.utf8))) != nil) }
        try await pages.shutdown()
    }
}
