import Foundation

/// Runs the built `summarize` executable as a user would, capturing its output.
struct CLIRunner {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The repository root, found from this file's location.
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The `summarize` binary beside the test bundle (SwiftPM builds it for `swift test`).
    static let executable: URL = {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            Bundle.main.bundleURL.deletingLastPathComponent(),
            Bundle.main.bundleURL,
        ]
        for folder in candidates {
            let binary = folder.appendingPathComponent("summarize")
            if FileManager.default.isExecutableFile(atPath: binary.path) { return binary }
        }
        return repositoryRoot.appendingPathComponent(".build/debug/summarize")
    }()

    /// A `summarize` started in the background, for tests that signal or kill it.
    final class Running: @unchecked Sendable {
        // The Process is touched only by the test's task; the output files outlive it.
        let process: Process
        let outURL: URL
        let errURL: URL

        init(process: Process, outURL: URL, errURL: URL) {
            self.process = process
            self.outURL = outURL
            self.errURL = errURL
        }

        var isRunning: Bool { process.isRunning }

        /// Sends `signal` to the process itself (not its group: as a supervisor would).
        func send(_ signal: Int32) {
            kill(process.processIdentifier, signal)
        }

        /// Waits for the exit, polling, so no thread is blocked meanwhile.
        func wait(timeout: Duration = .seconds(120)) async throws -> Result {
            let start = ContinuousClock.now
            while process.isRunning {
                if ContinuousClock.now - start > timeout {
                    kill(process.processIdentifier, SIGKILL)
                    throw CancellationError()
                }
                try await Task.sleep(for: .milliseconds(10))
            }
            defer {
                try? FileManager.default.removeItem(at: outURL)
                try? FileManager.default.removeItem(at: errURL)
            }
            return Result(
                status: process.terminationStatus,
                stdout: try String(contentsOf: outURL, encoding: .utf8),
                stderr: try String(contentsOf: errURL, encoding: .utf8)
            )
        }
    }

    /// Starts `summarize` in the background with standard input empty.
    static func start(_ arguments: [String], in directory: URL, environment: [String: String] = [:]) throws -> Running {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let outURL = directory.appendingPathComponent(".stdout-\(UUID().uuidString)")
        let errURL = directory.appendingPathComponent(".stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return Running(process: process, outURL: outURL, errURL: errURL)
    }

    static func run(
        _ arguments: [String],
        in directory: URL,
        environment: [String: String] = [:],
        stdin: String? = nil
    ) async throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment
        for key in [
            "GEMINI_API_KEY", "GEMINI_MODEL", "GEMINI_BASE_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL", "BATCH_SIZE", "LOG_LEVEL",
            "MAX_REQUESTS_PER_MINUTE", "RETRY_MAX_ATTEMPTS",
            "CIRCUIT_BREAKER_THRESHOLD", "CIRCUIT_BREAKER_TIMEOUT",
        ] {
            env.removeValue(forKey: key)
        }
        env.merge(environment) { $1 }
        process.environment = env

        // Files rather than pipes: a chatty child can never block on a full pipe.
        let outURL = directory.appendingPathComponent(".stdout-\(UUID().uuidString)")
        let errURL = directory.appendingPathComponent(".stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let outHandle = try FileHandle(forWritingTo: outURL)
        let errHandle = try FileHandle(forWritingTo: errURL)
        process.standardOutput = outHandle
        process.standardError = errHandle
        if let stdin {
            let inURL = directory.appendingPathComponent(".stdin-\(UUID().uuidString)")
            try Data(stdin.utf8).write(to: inURL)
            process.standardInput = try FileHandle(forReadingFrom: inURL)
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        // Waiting on a termination handler rather than waitUntilExit keeps the test's thread
        // free: with every cooperative thread blocked, an in-process fake server could never answer.
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { process in continuation.resume(returning: process.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        try outHandle.close()
        try errHandle.close()
        return Result(
            status: status,
            stdout: try String(contentsOf: outURL, encoding: .utf8),
            stderr: try String(contentsOf: errURL, encoding: .utf8)
        )
    }

    /// A temporary folder holding a copy of the root config and a link to Examples/, so the
    /// config's relative paths resolve exactly as in the repository but write elsewhere.
    static func sandbox() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("summarize-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: repositoryRoot.appendingPathComponent("config.json"),
            to: folder.appendingPathComponent("config.json")
        )
        try FileManager.default.createSymbolicLink(
            at: folder.appendingPathComponent("Examples"),
            withDestinationURL: repositoryRoot.appendingPathComponent("Examples")
        )
        return folder
    }
}
