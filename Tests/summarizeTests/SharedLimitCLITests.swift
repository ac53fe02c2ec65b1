import Foundation
import Postgres
import PostgresNIO
import SummarizerCore
import SummarizerTesting
import SummarizerTestingPostgres
import Testing

/// Several `summarize worker` processes sharing one Gemini quota through PostgreSQL, against the
/// fake Gemini server: the shared limit, the shared spent quota, the adaptive rate, and a worker
/// whose notifications are lost.
@Suite("Workers sharing one quota", .enabled(if: TestDatabase.available), .serialized)
struct SharedLimitCLITests {
    let logger = TestDatabase.logger

    /// A worker config: postgres claims, file pages, Gemini behind `middleware`, a JSON-lines sink.
    static func config(middleware: String, summarizerMiddleware: [String], concurrency: Int = 8) -> String {
        let names = summarizerMiddleware.map { "\"\($0)\"" }.joined(separator: ", ")
        return """
            {
              "source": {"type": "postgres", "leaseSeconds": 30, "claimBatchSize": 10},
              "fetcher": {"type": "file"},
              "extractor": {"type": "readability"},
              "summarizer": {"type": "gemini", "apiKey": "${GEMINI_API_KEY}", "middleware": [\(names)]},
              "sinks": [{"type": "jsonl", "path": "out/summaries.jsonl"}],
              "deadLetter": {"type": "jsonl", "path": "out/failed.jsonl"},
              "middleware": \(middleware),
              "run": {"concurrency": \(concurrency), "batchSize": 5, "shutdownGraceSeconds": 5}
            }
            """
    }

    /// `count` news URLs, each a copy of an example page in `folder`.
    static func insertPages(_ count: Int, into client: PostgresClient, folder: URL) async throws {
        let page = try String(contentsOf: CLIRunner.repositoryRoot.appendingPathComponent("Examples/pages/week9-recap.html"), encoding: .utf8)
        let pages = folder.appendingPathComponent("pages")
        try FileManager.default.createDirectory(at: pages, withIntermediateDirectories: true)
        var urls: [String] = []
        for index in 0..<count {
            let file = pages.appendingPathComponent("\(index).html")
            try page.write(to: file, atomically: true, encoding: .utf8)
            urls.append(file.absoluteString)
        }
        try await client.query("insert into news_urls (url) select unnest(\(urls))", logger: TestDatabase.logger)
    }

    /// Starts `count` workers, each in a folder of its own with `config`.
    static func startWorkers(_ count: Int, config: String, environment: [String: String]) throws -> [(folder: URL, worker: CLIRunner.Running)] {
        try (0..<count).map { _ in
            let folder = try CLIRunner.sandbox()
            try config.write(to: folder.appendingPathComponent("worker.json"), atomically: true, encoding: .utf8)
            let worker = try CLIRunner.start(
                ["worker", "--config", "worker.json", "--poll-seconds", "1", "--progress", "never"],
                in: folder,
                environment: environment
            )
            return (folder, worker)
        }
    }

    static func summarized(_ folder: URL) -> Int {
        let text = (try? String(contentsOf: folder.appendingPathComponent("out/summaries.jsonl"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").count
    }

    static func environment(_ url: DatabaseURL, _ fake: FakeGeminiServer) throws -> [String: String] {
        ["DATABASE_URL": try #require(TestDatabase.connectionString(for: url)), "GEMINI_API_KEY": fake.apiKey, "GEMINI_BASE_URL": fake.baseURL]
    }

    @Test(.timeLimit(.minutes(2)))
    func fourWorkersTogetherKeepToOneLimitOf300AMinute() async throws {
        let fake = try await FakeGeminiServer.start()
        try await TestDatabase.withMigrated { url, client in
            let pages = try CLIRunner.sandbox()
            defer { try? FileManager.default.removeItem(at: pages) }
            try await Self.insertPages(200, into: client, folder: pages)
            let config = Self.config(
                middleware: #"{"quota": {"type": "rateLimit", "scope": "database", "requestsPerMinute": 300, "burst": 5}}"#,
                summarizerMiddleware: ["quota"]
            )
            let workers = try Self.startWorkers(4, config: config, environment: try Self.environment(url, fake))
            defer { for (folder, _) in workers { try? FileManager.default.removeItem(at: folder) } }
            let started = ContinuousClock.now
            while fake.answered.isEmpty, ContinuousClock.now - started < .seconds(30) { try await Task.sleep(for: .milliseconds(20)) }
            let first = try #require(fake.answered.first?.receivedAt, "no worker reached Gemini")
            try await Task.sleep(for: .seconds(20))
            for (_, worker) in workers { worker.send(SIGTERM) }
            for (_, worker) in workers {
                let result = try await worker.wait()
                #expect(result.status == 143, "\(result.stderr.suffix(1500))")
            }
            let times = fake.answered.map { Duration.seconds($0.receivedAt.timeIntervalSince(first)) }.sorted()
            let inRun = times.filter { $0 < .seconds(20) }.count
            // 20 s at 5 a second plus the burst of 5 allows 105.
            #expect(inRun >= 90, "only \(inRun) calls in 20 s")
            for window in [1.0, 5.0, 10.0, 20.0] {
                let most = Self.maxInWindow(times, length: .seconds(window))
                #expect(most <= Int(5 * window) + 5, "\(most) calls within \(window) s")
            }
            for (index, (folder, _)) in workers.enumerated() {
                #expect(Self.summarized(folder) > 0, "worker \(index) summarized nothing")
            }
        }
        try await fake.shutdown()
    }

    @Test(.timeLimit(.minutes(2)))
    func aSpentDailyQuotaStopsEveryWorkerWithExit2() async throws {
        let fake = try await FakeGeminiServer.start()
        fake.spendDailyQuota(after: 12)
        try await TestDatabase.withMigrated { url, client in
            let pages = try CLIRunner.sandbox()
            defer { try? FileManager.default.removeItem(at: pages) }
            try await Self.insertPages(60, into: client, folder: pages)
            let config = Self.config(
                middleware: #"{"quota": {"type": "rateLimit", "scope": "database", "requestsPerMinute": 120, "burst": 2}}"#,
                summarizerMiddleware: ["quota"],
                concurrency: 4
            )
            let workers = try Self.startWorkers(4, config: config, environment: try Self.environment(url, fake))
            defer { for (folder, _) in workers { try? FileManager.default.removeItem(at: folder) } }
            var results: [CLIRunner.Result] = []
            for (_, worker) in workers { results.append(try await worker.wait(timeout: .seconds(60))) }
            let ended = Date()
            let refused = try #require(fake.answered.first { $0.status == 429 }?.receivedAt, "Gemini never answered 429")
            for (index, result) in results.enumerated() {
                #expect(result.status == 2, "worker \(index): \(result.stderr.suffix(1500))")
                #expect(result.stderr.contains("the Gemini daily quota is spent"), "worker \(index): \(result.stderr.suffix(1500))")
            }
            #expect(ended.timeIntervalSince(refused) < 10, "the workers took \(ended.timeIntervalSince(refused)) s to stop")
            var recorded: Date?
            for try await at in try await client.query("select exhausted_at from summarizer_rate_limits where name = 'quota'", logger: logger)
                .decode(Date.self)
            {
                recorded = at
            }
            let at = try #require(recorded, "no worker recorded the spent quota")
            // Other workers hear of it by NOTIFY within milliseconds; allow that much.
            let later = fake.answered.filter { $0.receivedAt > at.addingTimeInterval(0.25) }
            #expect(later.isEmpty, "\(later.count) calls reached Gemini after the spent quota was recorded")
            #expect(fake.answered.filter { $0.status == 429 }.count <= 4, "every worker burned its own 429s")
        }
        try await fake.shutdown()
    }

    @Test(.timeLimit(.minutes(2)))
    func anAdaptiveLimitSettlesBelowAQuotaItIsNotTold() async throws {
        let fake = try await FakeGeminiServer.start()
        // The project allows 4 calls a second; the workers are configured for 20.
        fake.limitRate(perSecond: 4, retryDelay: "0.5s")
        try await TestDatabase.withMigrated { url, client in
            let pages = try CLIRunner.sandbox()
            defer { try? FileManager.default.removeItem(at: pages) }
            try await Self.insertPages(400, into: client, folder: pages)
            let config = Self.config(
                middleware: """
                    {"retry": {"type": "retry", "maxAttempts": 6, "baseDelaySeconds": 0.2},
                     "quota": {"type": "rateLimit", "scope": "database", "requestsPerMinute": 1200, "burst": 2, "adaptive": true,
                               "adaptiveRaiseSeconds": 4, "adaptiveRaiseFraction": 0.025, "adaptiveMinimumPerMinute": 30}}
                    """,
                summarizerMiddleware: ["retry", "quota"]
            )
            let workers = try Self.startWorkers(2, config: config, environment: try Self.environment(url, fake))
            defer { for (folder, _) in workers { try? FileManager.default.removeItem(at: folder) } }
            let started = ContinuousClock.now
            while fake.answered.isEmpty, ContinuousClock.now - started < .seconds(30) { try await Task.sleep(for: .milliseconds(20)) }
            let first = try #require(fake.answered.first?.receivedAt)
            try await Task.sleep(for: .seconds(10))
            // The second half: sample the shared rate as the workers see it.
            var samples: [Double] = []
            for _ in 0..<50 {
                for try await rate in try await client.query(
                    "select rate_per_second from summarizer_rate_limits where name = 'quota'",
                    logger: logger
                )
                .decode(Double?.self) {
                    if let rate { samples.append(rate) }
                }
                try await Task.sleep(for: .milliseconds(200))
            }
            for (_, worker) in workers { worker.send(SIGTERM) }
            for (_, worker) in workers { _ = try await worker.wait() }
            let answered = fake.answered
            let early = answered.filter { $0.receivedAt.timeIntervalSince(first) < 2 }
            let late = answered.filter { $0.receivedAt.timeIntervalSince(first) >= 10 }
            let share = { (calls: [FakeGeminiServer.Answered]) in Double(calls.filter { $0.status == 429 }.count) / Double(max(1, calls.count)) }
            let mean = samples.reduce(0, +) / Double(max(1, samples.count))
            #expect(!samples.isEmpty)
            #expect(mean < 4, "the shared rate averaged \(mean)/s in the second half, above the quota's 4/s")
            #expect(mean > 1, "the shared rate collapsed to \(mean)/s")
            #expect(share(early) > 0.3, "the first seconds met few 429s (\(share(early))): the test does not test")
            #expect(share(late) < 0.2, "\(Int(share(late) * 100))% of the calls in the second half met a 429")
        }
        try await fake.shutdown()
    }

    @Test(.timeLimit(.minutes(2)))
    func withNotificationsLostTheWorkersPollFindsANewRow() async throws {
        try await TestDatabase.withMigrated { url, client in
            let proxy = try await TCPProxy.start(to: url.host, port: url.port, dropPostgresNotifications: true)
            let folder = try CLIRunner.sandbox()
            defer { try? FileManager.default.removeItem(at: folder) }
            try WorkerCLITests.config.write(to: folder.appendingPathComponent("worker.json"), atomically: true, encoding: .utf8)
            let direct = try #require(TestDatabase.connectionString(for: url))
            var components = try #require(URLComponents(string: direct))
            components.port = proxy.port
            var query = components.queryItems ?? []
            query.removeAll { $0.name == "sslmode" }
            query.append(URLQueryItem(name: "sslmode", value: "disable"))
            components.queryItems = query
            let worker = try CLIRunner.start(
                ["worker", "--config", "worker.json", "--poll-seconds", "3", "--progress", "never"],
                in: folder,
                environment: ["DATABASE_URL": try #require(components.string)]
            )
            // Let the worker find the table empty and wait.
            try await Task.sleep(for: .seconds(2))
            try await client.query("insert into news_urls (url) values (\(WorkerCLITests.page("week9-recap")))", logger: logger)
            let inserted = ContinuousClock.now
            let lines = {
                (try? String(contentsOf: folder.appendingPathComponent("out/summaries.jsonl"), encoding: .utf8))?.split(separator: "\n").count ?? 0
            }
            while lines() < 1, ContinuousClock.now - inserted < .seconds(15) { try await Task.sleep(for: .milliseconds(50)) }
            #expect(lines() == 1, "the poll did not find the row")
            #expect(proxy.droppedNotifications > 0, "no notification was dropped: the test does not test")
            worker.send(SIGTERM)
            let result = try await worker.wait()
            #expect(result.status == 143, "\(result.stderr.suffix(1500))")
            try await proxy.shutdown()
        }
    }

    static func maxInWindow(_ sorted: [Duration], length: Duration) -> Int {
        var best = 0
        var start = 0
        for end in sorted.indices {
            while sorted[end] - sorted[start] >= length { start += 1 }
            best = max(best, end - start + 1)
        }
        return best
    }
}

extension SharedLimitCLITests {
    @Test func explainShowsWhereALimitIsSharedWithoutThePassword() async throws {
        let folder = try CLIRunner.sandbox()
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = Self.config(
            middleware: #"{"quota": {"type": "rateLimit", "scope": "database", "requestsPerMinute": 300, "burst": 5, "adaptive": true}}"#,
            summarizerMiddleware: ["quota"]
        )
        try config.write(to: folder.appendingPathComponent("worker.json"), atomically: true, encoding: .utf8)
        let environment = ["DATABASE_URL": "postgres://summarizer:hunter2secret@db.internal:5432/news", "GEMINI_API_KEY": "k"]
        let result = try await CLIRunner.run(["explain", "--config", "worker.json"], in: folder, environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.stdout.contains(
                #"rateLimit "quota" (300/min, burst 5, adaptive: ×0.5 on a 429, at least 1/min, shared through database postgres://summarizer:<redacted>@db.internal:5432/news)"#
            ),
            "\(result.stdout)"
        )
        #expect(!result.stdout.contains("hunter2secret") && !result.stderr.contains("hunter2secret"))
    }

    @Test(.timeLimit(.minutes(1)))
    func aDatabaseWithoutTheTableStopsTheRunWithTheMigrateHint() async throws {
        try await TestDatabase.with { url in
            let folder = try CLIRunner.sandbox()
            defer { try? FileManager.default.removeItem(at: folder) }
            try "\(WorkerCLITests.page("week9-recap"))\n".write(to: folder.appendingPathComponent("urls.txt"), atomically: true, encoding: .utf8)
            let config = """
                {"source": {"type": "urlFile", "path": "urls.txt"}, "fetcher": {"type": "file"}, "extractor": {"type": "readability"},
                 "summarizer": {"type": "mock", "middleware": ["quota"]}, "sinks": [{"type": "jsonl", "path": "out.jsonl"}],
                 "middleware": {"quota": {"type": "rateLimit", "scope": "database", "requestsPerMinute": 60}}}
                """
            try config.write(to: folder.appendingPathComponent("run.json"), atomically: true, encoding: .utf8)
            let result = try await CLIRunner.run(
                ["run", "--config", "run.json"],
                in: folder,
                environment: ["DATABASE_URL": try #require(TestDatabase.connectionString(for: url))]
            )
            #expect(result.status == 2, "\(result.stderr)")
            #expect(result.stderr.contains("summarize db migrate"), "\(result.stderr)")
        }
    }
}

extension SharedLimitCLITests {
    /// The USD of every record in a worker's JSON-lines output.
    static func costs(_ folder: URL) throws -> [Double] {
        let text = (try? String(contentsOf: folder.appendingPathComponent("out/summaries.jsonl"), encoding: .utf8)) ?? ""
        return try text.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return try #require(object?["cost_usd"] as? Double, "a record without cost_usd: \(line)")
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aSharedCostBudgetStopsEveryWorkerWithOneMessageAndIsNeverExceeded() async throws {
        let fake = try await FakeGeminiServer.start()
        try await TestDatabase.withMigrated { url, client in
            let pages = try CLIRunner.sandbox()
            defer { try? FileManager.default.removeItem(at: pages) }
            try await Self.insertPages(150, into: client, folder: pages)
            // A call's worst case is about $0.0035 (1,024 output tokens); each really costs well
            // under $0.001, so $0.02 lasts a few dozen calls across the four workers.
            var config = Self.config(middleware: "{}", summarizerMiddleware: [], concurrency: 4)
            config = config.replacingOccurrences(
                of: #""apiKey": "${GEMINI_API_KEY}","#,
                with: #""apiKey": "${GEMINI_API_KEY}", "maxOutputTokens": 1024,"#
            )
            config = config.replacingOccurrences(
                of: #""run": {"#,
                with: #""costBudget": {"name": "team", "maxCostUSD": 0.02, "period": "day"}, "run": {"#
            )
            let workers = try Self.startWorkers(4, config: config, environment: try Self.environment(url, fake))
            defer { for (folder, _) in workers { try? FileManager.default.removeItem(at: folder) } }
            var results: [CLIRunner.Result] = []
            for (_, worker) in workers { results.append(try await worker.wait(timeout: .seconds(60))) }

            var stops: Set<String> = []
            for (index, result) in results.enumerated() {
                #expect(result.status == 2, "worker \(index): \(result.stderr.suffix(1500))")
                let stop = result.stderr.split(separator: "\n").first { $0.contains("Stopped:") }.map(String.init) ?? ""
                #expect(stop.contains(#"the shared cost budget "team" ($0.0200 a day) is spent"#), "worker \(index): \(result.stderr.suffix(1500))")
                stops.insert(stop.components(separatedBy: "Stopped:").last ?? stop)
            }
            #expect(stops.count == 1, "the workers stopped with different messages: \(stops)")
            let costs = try workers.flatMap { try Self.costs($0.folder) }
            let spent = costs.reduce(0, +)
            var recorded = -1.0
            for try await value in try await client.query("select spent_usd from summarizer_cost_budgets where name = 'team'", logger: logger)
                .decode(Double.self)
            {
                recorded = value
            }
            #expect(spent <= 0.02, "the records cost \(spent)")
            #expect(abs(recorded - spent) < 1e-9, "the table counts \(recorded), the records \(spent)")
            // Every call that reached Gemini was paid for by a record, and the budget was used up
            // to within one worst case before the workers stopped.
            #expect(fake.answered.count == costs.count)
            #expect(spent > 0.02 - 0.004, "stopped at \(spent) of 0.02")
        }
        try await fake.shutdown()
    }

    @Test(.timeLimit(.minutes(2)))
    func aWorkerWaitingForRowsStopsWhenAnotherSpendsTheSharedBudget() async throws {
        let fake = try await FakeGeminiServer.start()
        try await TestDatabase.withMigrated { url, client in
            // Nothing to claim: the worker waits for rows and makes no call.
            let config = Self.config(middleware: "{}", summarizerMiddleware: [], concurrency: 1).replacingOccurrences(
                of: #""run": {"#,
                with: #""costBudget": {"name": "team", "maxCostUSD": 0.02, "period": "day"}, "run": {"#
            )
            let idle = try Self.startWorkers(1, config: config, environment: try Self.environment(url, fake))
            defer { for (folder, _) in idle { try? FileManager.default.removeItem(at: folder) } }
            try await Task.sleep(for: .seconds(3))

            // Another process's call that does not fit records the refusal.
            var refused: String?
            for try await message in try await client.query(
                "select refused_message from reserve_cost_budget('team', 1.0, 0.02, 'day', 'UTC', 600)",
                logger: logger
            ).decode(String?.self) {
                refused = message
            }
            let spentAt = Date()
            #expect(refused?.contains(#"the shared cost budget "team" ($0.0200 a day) is spent"#) == true, "\(String(describing: refused))")

            let result = try await idle[0].worker.wait(timeout: .seconds(30))
            #expect(result.status == 2, "\(result.stderr.suffix(1500))")
            // The same stop line as a worker whose own call was refused.
            #expect(
                result.stderr.contains(#"stopped early: the shared cost budget "team" ($0.0200 a day) is spent"#)
                    && result.stderr.contains("does not fit; the items not done are left for the next run"),
                "\(result.stderr.suffix(1500))"
            )
            #expect(result.stderr.contains("0 read"), "\(result.stderr.suffix(1500))")
            #expect(fake.answered.isEmpty)
            // NOTIFY reaches it within milliseconds and it looks every quarter second; without the
            // watch it would wait for rows until the test's 30 seconds ran out.
            #expect(Date().timeIntervalSince(spentAt) < 10, "the idle worker took \(Date().timeIntervalSince(spentAt)) s to stop")
        }
        try await fake.shutdown()
    }

    @Test func explainShowsTheSharedBudgetAndABadSectionIsNamed() async throws {
        let folder = try CLIRunner.sandbox()
        defer { try? FileManager.default.removeItem(at: folder) }
        var config = Self.config(middleware: "{}", summarizerMiddleware: [])
        config = config.replacingOccurrences(
            of: #""run": {"#,
            with: #""costBudget": {"name": "team", "maxCostUSD": 25, "timeZone": "America/Los_Angeles"}, "run": {"#
        )
        try config.write(to: folder.appendingPathComponent("worker.json"), atomically: true, encoding: .utf8)
        let environment = ["DATABASE_URL": "postgres://summarizer:hunter2secret@db.internal:5432/news", "GEMINI_API_KEY": "k"]
        let result = try await CLIRunner.run(["explain", "--config", "worker.json"], in: folder, environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.stdout.contains(#"costBudget: "team" $25.0000 a day (America/Los_Angeles), shared through the database"#),
            "\(result.stdout)"
        )
        #expect(!result.stdout.contains("hunter2secret"))

        let bad = config.replacingOccurrences(
            of: #""name": "team", "maxCostUSD": 25, "timeZone": "America/Los_Angeles""#,
            with: #""timeZone": "Mars/Olympus""#
        )
        try bad.write(to: folder.appendingPathComponent("bad.json"), atomically: true, encoding: .utf8)
        let refused = try await CLIRunner.run(["validate", "--config", "bad.json"], in: folder, environment: environment)
        #expect(refused.status == 78, "\(refused.stderr)")
        for pointer in ["/costBudget/name", "/costBudget/maxCostUSD", "/costBudget/timeZone"] {
            #expect((refused.stdout + refused.stderr).contains(pointer), "\(pointer) not named: \(refused.stdout)")
        }
    }
}

extension SharedLimitCLITests {
    @Test(.timeLimit(.minutes(2)))
    func aWorkerWithNothingToDoStopsTooWhenAnotherSpendsTheQuota() async throws {
        let fake = try await FakeGeminiServer.start()
        fake.spendDailyQuota(after: 6)
        try await TestDatabase.withMigrated { url, client in
            let pages = try CLIRunner.sandbox()
            defer { try? FileManager.default.removeItem(at: pages) }
            try await Self.insertPages(20, into: client, folder: pages)
            // The busy worker claims all 20 rows at once and calls Gemini once a second; the
            // other starts once they are claimed, finds nothing, and waits for new rows.
            let config = Self.config(
                middleware: #"{"quota": {"type": "rateLimit", "scope": "database", "requestsPerMinute": 60, "burst": 1}}"#,
                summarizerMiddleware: ["quota"],
                concurrency: 1
            )
            let busyConfig = config.replacingOccurrences(of: #""claimBatchSize": 10"#, with: #""claimBatchSize": 20"#)
            let environment = try Self.environment(url, fake)
            let busy = try Self.startWorkers(1, config: busyConfig, environment: environment)
            defer { for (folder, _) in busy { try? FileManager.default.removeItem(at: folder) } }
            let started = ContinuousClock.now
            while fake.answered.isEmpty, ContinuousClock.now - started < .seconds(30) { try await Task.sleep(for: .milliseconds(20)) }
            let idle = try Self.startWorkers(1, config: config, environment: environment)
            defer { for (folder, _) in idle { try? FileManager.default.removeItem(at: folder) } }
            let busyResult = try await busy[0].worker.wait(timeout: .seconds(60))
            let idleResult = try await idle[0].worker.wait(timeout: .seconds(30))
            let ended = Date()
            let refused = try #require(fake.answered.first { $0.status == 429 }?.receivedAt, "Gemini never answered 429")
            #expect(busyResult.status == 2, "\(busyResult.stderr.suffix(1500))")
            #expect(idleResult.status == 2, "\(idleResult.stderr.suffix(1500))")
            #expect(idleResult.stderr.contains("the Gemini daily quota is spent"), "\(idleResult.stderr.suffix(1500))")
            // It never called: every request came from the busy worker's rows.
            #expect(Self.summarized(idle[0].folder) == 0)
            #expect(idleResult.stderr.contains("0 read"), "\(idleResult.stderr.suffix(1500))")
            // NOTIFY reaches it within milliseconds and it looks every quarter second.
            #expect(ended.timeIntervalSince(refused) < 10, "the idle worker took \(ended.timeIntervalSince(refused)) s to stop")
        }
        try await fake.shutdown()
    }

    @Test func aClaimingSourceRefusesFiltersItCannotApply() async throws {
        let folder = try CLIRunner.sandbox()
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = Self.config(middleware: "{}", summarizerMiddleware: [])
            .replacingOccurrences(of: #""claimBatchSize": 10"#, with: #""claimBatchSize": 10, "publisher": "ESPN""#)
        try config.write(to: folder.appendingPathComponent("worker.json"), atomically: true, encoding: .utf8)
        let environment = ["DATABASE_URL": "postgres://summarizer@127.0.0.1:1/news", "GEMINI_API_KEY": "k"]
        let result = try await CLIRunner.run(["worker", "--config", "worker.json"], in: folder, environment: environment)
        #expect(result.status == 78, "\(result.stderr)")
        #expect(result.stderr.contains("/source/publisher: mode claim hands out rows in claim order"), "\(result.stderr)")
    }
}
