import Foundation
import Logging
import SummarizerCore
import Synchronization

/// The rate limiter of a `rateLimit` whose bucket lives in a ``SharedRateLimitStore``: tokens
/// are reserved from the store a small lease at a time, for the callers waiting now.
///
/// One reservation is in flight at a time. It asks for as many tokens as callers wait (at most
/// `leaseTokens`, never more than the burst), sleeps until the store says they may be used, and
/// hands them to the waiting callers in arrival order; tokens whose callers left meanwhile go
/// back to the store at once. So a process never holds tokens nobody waits for, the store is
/// asked once per lease rather than once per call, and the store's bound holds for the tokens
/// really used. When the store cannot be reached the callers wait (the limiter fails closed; the
/// outage is logged once); when it records the backend's quota as spent, every caller fails
/// with that error.
public final class SharedTokenBucket: PipelineService, TokenSource {
    /// The limiter's name: the key of its bucket in the store.
    public let name: String
    /// Where the bucket lives.
    public let store: any SharedRateLimitStore
    /// The configured rate, burst and adaptation.
    public let policy: SharedRatePolicy
    /// The most tokens one reservation asks for.
    public let leaseTokens: Int
    private let clock: RunClock
    private let logger: Logger
    /// The run to stop when another process records the quota as spent while nothing here calls.
    private let control: RunControl?
    private let state = Mutex(State())

    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var waiters: [Waiter] = []
        var nextID: UInt64 = 0
        /// The reservation loop, parked while nobody waits.
        var idle: CheckedContinuation<Void, Never>?
        var stopped = false
        /// Store statements made, for benchmarks: reservations and give-backs.
        var statements = 0
    }

    /// A limiter reserving from `store`; it serves callers while its ``run()`` runs. With a
    /// `control`, a spent quota that another process records stops that run, even while no call
    /// of it waits (a worker with nothing to do would otherwise only learn of it at its next call).
    public init(
        name: String,
        store: any SharedRateLimitStore,
        policy: SharedRatePolicy,
        leaseTokens: Int,
        clock: RunClock,
        logger: Logger,
        control: RunControl? = nil
    ) {
        precondition(policy.ratePerSecond > 0 && policy.burst >= 1 && leaseTokens >= 1)
        self.name = name
        self.store = store
        self.policy = policy
        self.leaseTokens = min(leaseTokens, policy.burst)
        self.clock = clock
        self.logger = logger
        self.control = control
    }

    /// Grants allowed at once after an idle period.
    public var burst: Int { policy.burst }

    /// Store statements so far (reservations and give-backs), for the shared-limit benchmark.
    public var storeStatements: Int {
        state.withLock { $0.statements }
    }

    /// Waits for a token; returns how long it waited.
    ///
    /// - Throws: The store's `quotaExhausted` error while the backend's quota is recorded as
    ///   spent; `CancellationError` when the caller is cancelled or the run ends.
    @discardableResult
    public func acquire() async throws -> Duration {
        if let exhaustion = store.knownExhaustion(name) { throw exhaustion.error(limiter: name) }
        let start = clock.now
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let (refused, loop) = state.withLock { state -> (Bool, CheckedContinuation<Void, Never>?) in
                    if Task.isCancelled || state.stopped { return (true, nil) }
                    state.waiters.append(Waiter(id: id, continuation: continuation))
                    defer { state.idle = nil }
                    return (false, state.idle)
                }
                if refused { continuation.resume(throwing: CancellationError()) }
                loop?.resume()
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index)
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
        return clock.now - start
    }

    /// Reserves and hands out tokens until cancelled; then fails the callers still waiting.
    public func run() async {
        await withDiscardingTaskGroup { group in
            if let control {
                group.addTask { await self.stopOnExhaustion(control) }
            }
            await serve()
            group.cancelAll()
        }
    }

    /// Asks the run to stop once the store knows the quota is spent (NOTIFY brings another
    /// process's record within milliseconds; this looks every quarter second).
    private func stopOnExhaustion(_ control: RunControl) async {
        while !Task.isCancelled {
            if let exhaustion = store.knownExhaustion(name) {
                if control.requestStop(.serviceUnavailable(exhaustion.error(limiter: name))) {
                    logger.warning(
                        "stopping: the backend's quota is recorded as spent for every worker sharing this limit",
                        metadata: ["limit": "\(name)", "until": "\(ISO8601.string(from: exhaustion.until))"]
                    )
                }
                return
            }
            guard (try? await clock.sleep(for: .milliseconds(250))) != nil else { return }
        }
    }

    private func serve() async {
        var outage = false
        var backoff = Duration.milliseconds(250)
        while let wanted = await demand() {
            let grant: SharedRateGrant
            do {
                state.withLock { $0.statements += 1 }
                grant = try await store.reserve(name, tokens: min(wanted, leaseTokens), policy: policy)
                if outage {
                    logger.notice("the shared rate limit is reachable again", metadata: ["limit": "\(name)", "store": "\(store)"])
                    outage = false
                    backoff = .milliseconds(250)
                }
            } catch let error as PipelineError where error.kind.stopsRun {
                // A spent quota, or a store that cannot work (no table: migrations not run; refused
                // credentials): waiting would not help, so the callers fail and the run stops.
                failAll(error)
                continue
            } catch {
                if Task.isCancelled { break }
                if !outage {
                    logger.warning(
                        "the shared rate limit cannot be reached; calls wait until it answers (no unshared fallback)",
                        metadata: ["limit": "\(name)", "store": "\(store)", "error": "\(error)"]
                    )
                    outage = true
                }
                if (try? await clock.sleep(for: backoff)) == nil { break }
                backoff = min(backoff * 2, .seconds(5))
                continue
            }
            guard await sleepUnlessExhausted(until: clock.now + grant.wait) else {
                await giveBack(grant.tokens, grant)
                break
            }
            if let exhaustion = store.knownExhaustion(name) {
                failAll(exhaustion.error(limiter: name))
                await giveBack(grant.tokens, grant)
                continue
            }
            let unused = handOut(grant.tokens)
            if unused > 0 { await giveBack(unused, grant) }
        }
        let waiters = state.withLock { state -> [Waiter] in
            state.stopped = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.continuation.resume(throwing: CancellationError()) }
    }

    /// Sleeps until `deadline` in slices, so a spent quota another process records fails the
    /// waiting callers within a quarter second rather than when the lease is due; returns
    /// `false` when cancelled.
    private func sleepUnlessExhausted(until deadline: Duration) async -> Bool {
        while clock.now < deadline {
            if store.knownExhaustion(name) != nil { return true }
            guard (try? await clock.sleep(until: min(deadline, clock.now + .milliseconds(250)))) != nil else { return false }
        }
        return !Task.isCancelled
    }

    /// Waits until callers wait; returns how many tokens to ask for, or `nil` when the run ends.
    private func demand() async -> Int? {
        while !Task.isCancelled {
            // Exactly the callers waiting: a lease sized for callers expected back soon would
            // leave tokens over whenever they come back late (an LLM call takes seconds), and
            // tokens over are lost whenever another process reserved after them.
            let waiting = state.withLock { $0.waiters.count }
            if waiting > 0 { return waiting }
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let resumeNow = state.withLock { state -> Bool in
                        if !state.waiters.isEmpty || Task.isCancelled { return true }
                        state.idle = continuation
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            } onCancel: {
                state.withLock { state -> CheckedContinuation<Void, Never>? in
                    defer { state.idle = nil }
                    return state.idle
                }?.resume()
            }
        }
        return nil
    }

    /// Resumes up to `tokens` waiting callers in arrival order; returns the tokens left over.
    private func handOut(_ tokens: Int) -> Int {
        let resumed = state.withLock { state -> [Waiter] in
            let count = min(tokens, state.waiters.count)
            defer { state.waiters.removeFirst(count) }
            return Array(state.waiters.prefix(count))
        }
        for waiter in resumed { waiter.continuation.resume() }
        return tokens - resumed.count
    }

    private func failAll(_ error: PipelineError) {
        let waiters = state.withLock { state -> [Waiter] in
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.continuation.resume(throwing: error) }
    }

    private func giveBack(_ tokens: Int, _ grant: SharedRateGrant) async {
        state.withLock { $0.statements += 1 }
        do {
            try await store.giveBack(name, tokens: tokens, of: grant)
        } catch {
            // Tokens not given back are only unused: the bound still holds.
            logger.debug("could not give unused tokens back", metadata: ["limit": "\(name)", "error": "\(error)"])
        }
    }

    // MARK: - What calls through the limiter met

    /// Acts on a call's failure: a 429 slows an adaptive bucket for every process; a spent
    /// daily quota is recorded so every process stops sending to the backend.
    func observe(_ error: PipelineError, logger: Logger) async {
        if error.kind == .rateLimited, policy.adaptive != nil {
            let cooldown = max(.seconds(1), error.retryAfter ?? .zero)
            do {
                if let rate = try await store.throttle(name, policy: policy, cooldown: cooldown) {
                    logger.notice(
                        "a 429 lowered the shared rate",
                        metadata: ["limit": "\(name)", "perMinute": "\(Self.perMinute(rate))", "maximum": "\(Self.perMinute(policy.ratePerSecond))"]
                    )
                }
            } catch {
                logger.warning("could not lower the shared rate after a 429", metadata: ["limit": "\(name)", "error": "\(error)"])
            }
        }
        // A spent budget of this run is this process's alone; a shared record is passed on already.
        if error.reason != SharedExhaustion.reason,
            let until = SharedExhaustion.quotaBack(error.kind, reason: error.reason, retryAfter: error.retryAfter)
        {
            do {
                try await store.markExhausted(name, SharedExhaustion(until: until, message: error.message))
                logger.warning(
                    "the backend's quota is spent: recorded for every worker sharing this limit",
                    metadata: ["limit": "\(name)", "until": "\(ISO8601.string(from: until))"]
                )
            } catch {
                logger.error("could not record the spent quota for the other workers", metadata: ["limit": "\(name)", "error": "\(error)"])
            }
        }
    }

    static func perMinute(_ perSecond: Double) -> String {
        String(format: "%.1f", perSecond * 60)
    }
}

/// What a `rateLimit` takes its tokens from: a ``TokenBucket`` in this process, or a
/// ``SharedTokenBucket`` shared with other processes.
public protocol TokenSource: AnyObject, Sendable {
    /// Takes a token, waiting for one; returns how long it waited.
    @discardableResult
    func acquire() async throws -> Duration
    /// Grants allowed at once after an idle period.
    var burst: Int { get }
}

extension TokenBucket: TokenSource {}
