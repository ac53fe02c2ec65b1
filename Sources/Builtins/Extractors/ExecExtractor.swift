import Foundation
import Logging
import SummarizerCore
import Synchronization

/// An extractor that delegates to an external program (`exec`), so extractors can be written in
/// any language: each of `workers` long-lived processes reads one JSON request per line on its
/// standard input and answers one JSON line on its standard output.
///
/// Request: `{"id": "...", "url": "...", "html": "..."}`.
/// Answer: `{"id": "...", "title": "...", "text": "...", "metadata": {...}}`, or
/// `{"id": "...", "error": {"kind": "invalidContent", "message": "..."}}`.
///
/// A request that gets no answer within the timeout fails as `transient` (reason `timeout`) and
/// its worker is killed; a worker that exits fails its request as `transient` (reason
/// `worker-exited`); either way a fresh worker is started for the next request. What a worker
/// writes on standard error goes to the log. The workers are stopped with the run.
public final class ExecExtractor: ContentExtractor, PipelineService {
    public struct Configuration: Sendable {
        public var command: String
        public var arguments: [String] = []
        public var workers = 2
        public var timeout: Duration = .seconds(30)
        /// The name records carry in `extractor`.
        public var name = "exec"

        public init(command: String) {
            self.command = command
        }
    }

    let configuration: Configuration
    let logger: Logger
    private let pool: ExecWorkerPool

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.pool = ExecWorkerPool(configuration: configuration, logger: logger)
    }

    /// Keeps the workers for the length of the run and stops them at its end.
    public func run() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(3600))
        }
        await pool.shutdown()
    }

    deinit {
        // Outside a run (a test, a library user) nobody cancels `run()`: no process outlives us.
        pool.terminateAll()
    }

    struct Request: Encodable {
        var id: String
        var url: String
        var html: String
    }

    struct Answer: Decodable {
        struct Failure: Decodable {
            var kind: String?
            var message: String?
        }

        var id: String?
        var title: String?
        var text: String?
        var metadata: [String: JSONValue]?
        var error: Failure?
    }

    /// The answer in `reply`, which must be the protocol's JSON for `item`'s request.
    func decode(_ reply: Data, for item: WorkItem) throws -> Answer {
        guard let answer = try? JSONDecoder().decode(Answer.self, from: reply) else {
            throw PipelineError(
                .transient, "the exec worker \(configuration.command) answered with something that is not the protocol's JSON: "
                    + String(decoding: reply.prefix(200), as: UTF8.self), reason: "worker-protocol")
        }
        guard answer.id == item.id else {
            throw PipelineError(
                .transient, "the exec worker \(configuration.command) answered request \(answer.id ?? "?") while \(item.id) was asked",
                reason: "worker-protocol")
        }
        return answer
    }

    public func extract(_ page: FetchedPage, item: WorkItem, context: StageContext) async throws -> Article {
        var line = try JSONEncoder().encode(Request(id: item.id, url: page.finalURL, html: page.text))
        line.append(UInt8(ascii: "\n"))
        let worker = try await pool.acquire()
        let answer: Answer
        do {
            let reply = try await worker.send(line, timeout: configuration.timeout)
            answer = try decode(reply, for: item)
            await pool.release(worker)
        } catch {
            // A worker that failed, or broke the protocol, is out of step: it is replaced before
            // it goes back to the pool, so no other request meets it.
            worker.terminate()
            await pool.release(worker)
            throw error
        }
        if let failure = answer.error {
            let kind = failure.kind.flatMap(PipelineError.Kind.init(name:)) ?? .invalidContent
            throw PipelineError(kind, "the exec worker \(configuration.command) failed: \(failure.message ?? "no message")", reason: "worker-error")
        }
        guard let text = answer.text, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw PipelineError(.invalidContent, "the exec worker \(configuration.command) found no article text", reason: "no-article")
        }
        let metadata = answer.metadata ?? [:]
        return Article(
            title: answer.title ?? item.title, byline: metadata["byline"]?.stringValue ?? metadata["author"]?.stringValue,
            publishedTime: metadata["date"]?.stringValue ?? metadata["publishedTime"]?.stringValue,
            siteName: metadata["sitename"]?.stringValue ?? metadata["siteName"]?.stringValue,
            language: metadata["language"]?.stringValue, excerpt: metadata["description"]?.stringValue, text: text,
            extractor: configuration.name, extractorVersion: metadata["version"]?.stringValue ?? "exec")
    }
}

/// The worker processes, handed out one request at a time in arrival order.
actor ExecWorkerPool {
    let configuration: ExecExtractor.Configuration
    let logger: Logger
    private var idle: [ExecWorker] = []
    private var started = 0
    private var waiters: [CheckedContinuation<ExecWorker?, Never>] = []
    private var closed = false
    /// Every worker ever started, for ``terminateAll()``.
    private nonisolated let everyWorker = Mutex<[ExecWorker]>([])

    init(configuration: ExecExtractor.Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// A worker with nothing in flight: an idle one, a new one while fewer than `workers` run,
    /// or the next one released.
    func acquire() async throws -> ExecWorker {
        guard !closed else { throw PipelineError(.cancelled, "the exec extractor has been shut down") }
        while let worker = idle.popLast() {
            if worker.isAlive { return worker }
            started -= 1
        }
        if started < configuration.workers {
            started += 1
            do {
                let worker = try ExecWorker.start(configuration, logger: logger)
                track(worker)
                return worker
            } catch {
                started -= 1
                throw error
            }
        }
        guard let worker = await withCheckedContinuation({ waiters.append($0) }) else {
            throw PipelineError(.cancelled, "the exec extractor has been shut down")
        }
        return worker
    }

    /// Returns `worker`; a dead one is replaced for the next caller.
    func release(_ worker: ExecWorker) {
        if !waiters.isEmpty {
            let waiter = waiters.removeFirst()
            if worker.isAlive {
                waiter.resume(returning: worker)
                return
            }
            if let fresh = try? ExecWorker.start(configuration, logger: logger) {
                track(fresh)
                waiter.resume(returning: fresh)
                return
            }
            waiters.insert(waiter, at: 0)
        }
        if worker.isAlive { idle.append(worker) } else { started -= 1 }
    }

    /// Keeps `worker` for shutdown, forgetting workers that have gone.
    private func track(_ worker: ExecWorker) {
        everyWorker.withLock { workers in
            workers.removeAll { !$0.isAlive }
            workers.append(worker)
        }
    }

    /// Stops every worker: input closed, then killed after a second if still running.
    func shutdown() async {
        closed = true
        for waiter in waiters { waiter.resume(returning: nil) }
        waiters.removeAll()
        let workers = everyWorker.withLock { $0 }
        await withTaskGroup(of: Void.self) { group in
            for worker in workers { group.addTask { await worker.stop(grace: .seconds(1)) } }
        }
    }

    nonisolated func terminateAll() {
        for worker in everyWorker.withLock({ $0 }) { worker.terminate() }
    }
}

/// One worker process and its pipes.
final class ExecWorker: Sendable {
    struct State {
        var process: Process?
        var output: [UInt8] = []
        var pending: CheckedContinuation<Data, any Error>?
        var exitStatus: Int32?
        /// Set by ``terminate()`` before the process is gone, so the pool never hands it out again.
        var terminated = false
    }

    private let state: Mutex<State>
    private let input: FileHandle
    let command: String

    private init(command: String, input: FileHandle) {
        self.command = command
        self.input = input
        self.state = Mutex(State())
    }

    var isAlive: Bool { state.withLock { $0.exitStatus == nil && !$0.terminated && $0.process != nil } }

    static func start(_ configuration: ExecExtractor.Configuration, logger: Logger) throws -> ExecWorker {
        let process = Process()
        // `env` finds the command on PATH as a shell would.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [configuration.command] + configuration.arguments
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        let worker = ExecWorker(command: configuration.command, input: stdin.fileHandleForWriting)
        stdout.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                return
            }
            worker.received(data)
        }
        let command = configuration.command
        let stderrBuffer = Mutex<[UInt8]>([])
        stderr.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                return
            }
            let lines = stderrBuffer.withLock { buffer -> [String] in
                buffer += data
                var lines: [String] = []
                while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    lines.append(String(decoding: buffer[..<newline], as: UTF8.self))
                    buffer.removeSubrange(...newline)
                }
                return lines
            }
            for line in lines where !line.isEmpty {
                logger.notice("exec worker: \(line)", metadata: ["command": "\(command)"])
            }
        }
        process.terminationHandler = { process in
            worker.exited(status: process.terminationStatus)
        }
        do {
            try process.run()
        } catch {
            throw PipelineError(
                .misconfigured, "could not start the exec worker \(configuration.command): \(error)", reason: "worker-start",
                hint: "check `command` and `args`; the command is looked up on PATH")
        }
        worker.state.withLock { $0.process = process }
        logger.debug("exec worker started", metadata: ["command": "\(command)", "pid": "\(process.processIdentifier)"])
        return worker
    }

    /// Writes one request line and waits for one answer line, at most `timeout`.
    func send(_ line: Data, timeout: Duration) async throws -> Data {
        let timer = Task { [weak self] in
            try await Task.sleep(for: timeout)
            self?.fail(PipelineError(.transient, "the exec worker \(self?.command ?? "") gave no answer within \(timeout.seconds) s", reason: "timeout"))
            self?.terminate()
        }
        defer { timer.cancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let failure = state.withLock { state -> PipelineError? in
                    if let status = state.exitStatus {
                        return PipelineError(.transient, "the exec worker \(command) exited with status \(status)", reason: "worker-exited")
                    }
                    state.pending = continuation
                    return nil
                }
                if let failure {
                    continuation.resume(throwing: failure)
                    return
                }
                // A write fails when the worker has already exited (a missing command, a crash at
                // start); its exit, with the status, or the timer then fails the request.
                try? input.write(contentsOf: line)
            }
        } onCancel: {
            fail(CancellationError())
        }
    }

    /// Resumes the pending request with `error`, if there is one.
    func fail(_ error: any Error) {
        state.withLock { state in
            defer { state.pending = nil }
            return state.pending
        }?.resume(throwing: error)
    }

    private func received(_ data: Data) {
        var answers: [Data] = []
        let pending = state.withLock { state -> CheckedContinuation<Data, any Error>? in
            state.output += data
            while let newline = state.output.firstIndex(of: UInt8(ascii: "\n")) {
                answers.append(Data(state.output[..<newline]))
                state.output.removeSubrange(...newline)
            }
            guard !answers.isEmpty else { return nil }
            defer { state.pending = nil }
            return state.pending
        }
        // One request is in flight at a time, so one line answers it; more would be a protocol error
        // the id check catches on the next request.
        if let answer = answers.first { pending?.resume(returning: answer) }
    }

    private func exited(status: Int32) {
        let pending = state.withLock { state -> CheckedContinuation<Data, any Error>? in
            state.exitStatus = status
            state.process = nil  // the process holds this worker through its handler: break the cycle
            defer { state.pending = nil }
            return state.pending
        }
        pending?.resume(throwing: PipelineError(.transient, "the exec worker \(command) exited with status \(status)", reason: "worker-exited"))
    }

    /// Kills the process and its process group at once (a hung or confused worker); its pending
    /// request, if any, fails as exited. SIGKILL, because a child spawned from a Swift process
    /// inherits a signal mask that blocks SIGTERM.
    func terminate() {
        guard let pid = markTerminated() else { return }
        Self.signal(pid, SIGKILL)
    }

    /// Ends the worker gracefully: closes its input, so a well-behaved worker finishes and exits,
    /// and kills it after `grace` if it has not.
    func stop(grace: Duration) async {
        guard let pid = markTerminated() else { return }
        let deadline = ContinuousClock.now + grace
        while ContinuousClock.now < deadline, state.withLock({ $0.exitStatus == nil }) {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if state.withLock({ $0.exitStatus == nil }) { Self.signal(pid, SIGKILL) }
    }

    /// Marks the worker terminated and closes its input; the pid to signal, if it still runs.
    private func markTerminated() -> Int32? {
        let process = state.withLock { state -> Process? in
            defer { state.terminated = true }
            return state.exitStatus == nil && !state.terminated ? state.process : nil
        }
        guard let process else { return nil }
        try? input.close()
        let pid = process.processIdentifier
        return pid > 0 ? pid : nil
    }

    /// Signals the worker's process group, or the worker alone when it does not lead one.
    /// Foundation starts a child in a group of its own, so the group also holds what the worker
    /// started (a pyenv or npm shim runs the real interpreter as its child).
    private static func signal(_ pid: Int32, _ signal: Int32) {
        if getpgid(pid) == pid { kill(-pid, signal) } else { kill(pid, signal) }
    }
}

extension ExecExtractor {
    /// The `exec` extractor plugin.
    public static let plugin = Plugin(
        PluginSpec(
            type: "exec", role: .extractor,
            summary: "Runs an external program (any language) as long-lived workers speaking JSON lines: {id, url, html} in, {id, title, text, metadata} out.",
            keys: [
                ConfigKey("command", .string, required: true, doc: "The program, looked up on PATH (e.g. python3)."),
                ConfigKey("args", .arguments, default: .array([]), doc: "Its arguments, e.g. [\"exec/trafilatura_worker.py\"]; one naming a file or folder beside the config is resolved against the config's folder, like every path."),
                ConfigKey("workers", .integer, default: .number(2), minimum: 1, doc: "Worker processes; each handles one request at a time."),
                ConfigKey("timeoutSeconds", .number, default: .number(30), minimum: 0.001, doc: "The longest one request may take; then the worker is killed and restarted."),
                ConfigKey("name", .string, default: .string("exec"), doc: "The extractor name records carry."),
            ]),
        .extractor { config, environment in
            var configuration = Configuration(command: config.string("command")!)
            guard !configuration.command.isEmpty else { throw config.problem("command", "is empty") }
            configuration.arguments = config.strings("args") ?? []
            configuration.workers = config.int("workers")!
            configuration.timeout = .milliseconds(Int64(config.double("timeoutSeconds")! * 1000))
            configuration.name = config.string("name")!
            let extractor = ExecExtractor(configuration: configuration, logger: environment.logger)
            environment.services.add(extractor)
            return extractor
        }
    )
}
