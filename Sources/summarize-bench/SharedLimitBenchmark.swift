import ArgumentParser
import Foundation
import Logging
import Postgres
import PostgresNIO
import Resilience
import SummarizerCore

/// `summarize-bench shared-limit`: how closely processes sharing one `rateLimit` through
/// PostgreSQL together keep to its rate, and what the sharing costs in statements.
struct SharedLimitBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shared-limit",
        abstract: "Tokens granted across --workers processes sharing one rateLimit with scope database.",
        discussion: """
            Creates a scratch database beside the one DATABASE_URL names and migrates it, then starts --workers \
            processes (this program's shared-limit-worker), each with --callers tasks taking tokens in a loop from one \
            limiter of --per-minute and --burst for --seconds. Every process logs the wall-clock time of each token it \
            hands out; the figures are over all of them: tokens granted / the limit's allowance (rate × seconds), the \
            busiest 1, 10 and 60 s windows against rate × window + burst, and store statements per granted token.
            """
    )

    @Option(help: "Worker processes.")
    var workers = 8

    @Option(help: "The shared limit, per minute.")
    var perMinute = 1200.0

    @Option(help: "The limit's burst (and the largest lease).")
    var burst = 20

    @Option(help: "Seconds to run.")
    var seconds = 60.0

    @Option(help: "Tasks taking tokens in each process.")
    var callers = 32

    func validate() throws {
        guard workers > 0, perMinute > 0, burst > 0, seconds > 0, callers > 0 else {
            throw ValidationError("--workers, --per-minute, --burst, --seconds and --callers must be positive")
        }
    }

    func run() async throws {
        let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        let report = try await withScratchDatabase(logger: logger) { url in
            _ = try await withPostgresClient(url, logger: logger) { client in try await Migrations.migrate(client, logger: logger) }
            return try await measure(url)
        }
        print(report)
    }

    func measure(_ url: DatabaseURL) async throws -> String {
        guard let text = ProcessInfo.processInfo.environment["DATABASE_URL"], var components = URLComponents(string: text) else {
            throw ValidationError("set DATABASE_URL")
        }
        components.path = "/" + (url.database ?? "")
        let connection = components.string ?? ""
        let executable =
            CommandLine.arguments[0].hasPrefix("/")
            ? CommandLine.arguments[0] : FileManager.default.currentDirectoryPath + "/" + CommandLine.arguments[0]
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("shared-limit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // Every process starts at the same moment, after all have connected.
        let start = Date().addingTimeInterval(3)
        let (workers, perMinute, burst, seconds, callers) = (workers, perMinute, burst, seconds, callers)
        let outcomes = try await withThrowingTaskGroup(of: (Int, ChildProcess.Outcome).self) { group in
            for index in 0..<workers {
                group.addTask {
                    let outcome = try await ChildProcess.run(
                        executable,
                        [
                            "shared-limit-worker", "--database-url", connection, "--per-minute", "\(perMinute)", "--burst", "\(burst)",
                            "--seconds", "\(seconds)", "--callers", "\(callers)", "--start", "\(start.timeIntervalSince1970)",
                        ],
                        stdout: folder.appendingPathComponent("\(index).out").path,
                        stderr: folder.appendingPathComponent("\(index).err").path
                    )
                    return (index, outcome)
                }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        var times: [Double] = []
        var statements = 0
        var perWorker: [Int] = []
        for index in 0..<workers {
            guard outcomes[index]?.status == 0 else {
                let error = (try? String(contentsOf: folder.appendingPathComponent("\(index).err"), encoding: .utf8)) ?? ""
                throw ValidationError("worker \(index) failed (\(outcomes[index]?.status ?? -1)): \(error.suffix(2000))")
            }
            let lines = try String(contentsOf: folder.appendingPathComponent("\(index).out"), encoding: .utf8).split(separator: "\n")
            var count = 0
            for line in lines {
                if line.hasPrefix("statements ") {
                    statements += Int(line.dropFirst("statements ".count)) ?? 0
                } else if let time = Double(line) {
                    times.append(time - start.timeIntervalSince1970)
                    count += 1
                }
            }
            perWorker.append(count)
        }
        times.sort()
        let inRun = times.filter { $0 < seconds }.count
        let rate = perMinute / 60
        let allowance = rate * seconds
        let durations = times.map { Duration.seconds($0) }
        var lines = [
            "shared-limit: \(workers) processes × \(callers) callers, \(format(perMinute))/min, burst \(burst), \(format(seconds)) s",
            "  granted in the run:      \(inRun) (\(String(format: "%.3f", Double(inRun) / allowance)) of rate × seconds = \(format(allowance)))",
            "  per process:             \(perWorker.map(String.init).joined(separator: ", "))",
        ]
        for window in [1.0, 10.0, 60.0] where window <= seconds {
            let most = TokenBucket.maxGrantsInWindow(durations, length: .seconds(window))
            let bound = rate * window + Double(burst)
            lines.append(
                "  busiest \(format(window)) s window:     \(most) (bound rate × window + burst = \(format(bound)))\(Double(most) > bound ? "  OVER" : "")"
            )
        }
        lines.append(
            "  store statements:        \(statements), \(String(format: "%.3f", Double(statements) / Double(max(1, times.count)))) per granted token"
        )
        return lines.joined(separator: "\n")
    }

    func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.2f", value)
    }
}

/// One process of `shared-limit`: takes tokens from the shared limiter with `--callers` tasks
/// until `--seconds` after `--start`, printing the wall-clock time of each.
struct SharedLimitWorker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shared-limit-worker",
        abstract: "One process of the shared-limit benchmark.",
        shouldDisplay: false
    )

    @Option var databaseURL: String
    @Option var perMinute: Double
    @Option var burst: Int
    @Option var seconds: Double
    @Option var callers: Int
    @Option var start: Double

    func run() async throws {
        let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        let store = PostgresRateLimitStore(url: try DatabaseURL(databaseURL), logger: logger)
        let bucket = SharedTokenBucket(
            name: "bench",
            store: store,
            policy: SharedRatePolicy(ratePerSecond: perMinute / 60, burst: burst),
            leaseTokens: burst,
            clock: RunClock(ContinuousClock()),
            logger: logger
        )
        let (start, end, callers) = (start, start + seconds, callers)
        let times = try await withServices([store, bucket]) {
            // Connect before the start, so the pool's first connection is not timed.
            try await store.giveBack("warm-up", tokens: 0, of: SharedRateGrant(tokens: 0, wait: .zero, ratePerSecond: 1, scheduleEnd: 0))
            let wait = start - Date().timeIntervalSince1970
            if wait > 0 { try await Task.sleep(for: .seconds(wait)) }
            return try await withThrowingTaskGroup(of: [Double]?.self) { group in
                for _ in 0..<callers {
                    group.addTask {
                        var times: [Double] = []
                        while (try? await bucket.acquire()) != nil {
                            let now = Date().timeIntervalSince1970
                            guard now < end else { break }
                            times.append(now)
                        }
                        return times
                    }
                }
                // Callers still waiting at the end are cancelled rather than served.
                group.addTask {
                    try? await Task.sleep(for: .seconds(max(0, end - Date().timeIntervalSince1970)))
                    return nil
                }
                var all: [Double] = []
                while let result = try await group.next() {
                    guard let times = result else {
                        group.cancelAll()
                        continue
                    }
                    all += times
                }
                return all
            }
        }
        var output = times.map { String($0) }.joined(separator: "\n")
        output += "\nstatements \(bucket.storeStatements)\n"
        FileHandle.standardOutput.write(Data(output.utf8))
    }
}
