import Foundation
import Logging
import SummarizerCore
import Synchronization

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
                .misconfigured,
                "could not start the exec worker \(configuration.command): \(error)",
                reason: "worker-start",
                hint: "check `command` and `args`; the command is looked up on PATH"
            )
        }
        worker.state.withLock { $0.process = process }
        logger.debug("exec worker started", metadata: ["command": "\(command)", "pid": "\(process.processIdentifier)"])
        return worker
    }

    /// Writes one request line and waits for one answer line, at most `timeout`; a worker that
    /// does not answer in time is killed (the pool starts a fresh one for the next request).
    func send(_ line: Data, timeout: Duration) async throws -> Data {
        // Killed when the limit passes, so a write blocked on the worker's full pipe ends too.
        switch try await withTimeLimit(timeout, expiring: { self.terminate() }, { try await self.exchange(line) }) {
        case .finished(let reply):
            return reply
        case .expired:
            throw PipelineError(.transient, "the exec worker \(command) gave no answer within \(timeout.seconds) s", reason: "timeout")
        }
    }

    /// Writes one request line and waits for the answer line, the worker's exit, or cancellation.
    private func exchange(_ line: Data) async throws -> Data {
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
                // start); its exit, with the status, or the time limit then fails the request.
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
