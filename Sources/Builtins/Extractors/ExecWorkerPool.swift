import Foundation
import Logging
import SummarizerCore
import Synchronization

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
