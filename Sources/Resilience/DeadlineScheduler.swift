import SummarizerCore
import Synchronization

/// One shared timer for every timeout of a run: cancels a task whose deadline has passed.
///
/// Registering a deadline is a heap insertion under a lock, so a timeout costs no timer and
/// no extra task of its own; the scheduler's single loop (a ``PipelineService`` the
/// orchestrator runs) sleeps until the earliest deadline and wakes early when an earlier one
/// arrives.
public final class DeadlineScheduler: PipelineService {
    /// A task registered for cancellation.
    ///
    /// `UnsafeCurrentTask` may only be used while its task runs. The registering task removes
    /// its entry (``complete(_:)``) before it finishes, and cancellation happens under the
    /// same lock, so the scheduler never touches a finished task.
    struct TaskHandle: @unchecked Sendable {
        let task: UnsafeCurrentTask
    }

    private struct Entry {
        var deadline: Duration
        var handle: TaskHandle
        var fired = false
    }

    private struct State {
        var entries: [Int: Entry] = [:]
        var heap = DeadlineHeap()
        var nextID = 0
        /// The deadline the loop sleeps until, if it sleeps.
        var plannedWake: Duration?
        var generation = 0
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let clock: RunClock
    private let state = Mutex(State())

    /// A scheduler timing on `clock`.
    public init(clock: RunClock) {
        self.clock = clock
    }

    /// Registers the current task to be cancelled at `deadline`; returns the entry's id.
    func register(deadline: Duration, handle: TaskHandle) -> Int {
        let (id, wake) = state.withLock { state -> (Int, CheckedContinuation<Void, Never>?) in
            state.nextID += 1
            let id = state.nextID
            state.entries[id] = Entry(deadline: deadline, handle: handle)
            state.heap.push(deadline, id)
            guard state.plannedWake.map({ deadline < $0 }) ?? true else { return (id, nil) }
            state.generation += 1
            let waiter = state.waiter
            state.waiter = nil
            return (id, waiter)
        }
        wake?.resume()
        return id
    }

    /// Removes an entry; returns whether its deadline fired.
    func complete(_ id: Int) -> Bool {
        state.withLock { state in
            let fired = state.entries.removeValue(forKey: id)?.fired ?? false
            // Completed entries stay in the heap until popped; rebuild it when they dominate,
            // so memory follows the calls in flight, not the calls per timeout period.
            if state.heap.count > 64, state.heap.count > 4 * state.entries.count {
                state.heap = DeadlineHeap(state.entries.map { ($0.value.deadline, $0.key) })
            }
            return fired
        }
    }

    /// Entries still registered, for tests.
    var pendingCount: Int { state.withLock { $0.entries.count } }

    public func run() async {
        while !Task.isCancelled {
            let (next, generation) = fireExpired()
            await withTaskGroup(of: Void.self) { group in
                if let next {
                    group.addTask { [clock] in try? await clock.sleep(until: next) }
                }
                group.addTask { await self.waitForEarlierDeadline(generation: generation) }
                await group.next()
                group.cancelAll()
            }
        }
        state.withLock { $0.plannedWake = nil }
    }

    /// Cancels the tasks whose deadlines passed; returns the next deadline to sleep until.
    private func fireExpired() -> (Duration?, Int) {
        state.withLock { state in
            let now = clock.now
            while let (deadline, id) = state.heap.peek() {
                guard var entry = state.entries[id] else {
                    _ = state.heap.pop()
                    continue
                }
                guard deadline <= now else { break }
                _ = state.heap.pop()
                if !entry.fired {
                    entry.fired = true
                    entry.handle.task.cancel()
                    state.entries[id] = entry
                }
            }
            state.plannedWake = state.heap.peek()?.0
            return (state.plannedWake, state.generation)
        }
    }

    private func waitForEarlierDeadline(generation: Int) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.generation != generation || Task.isCancelled { return true }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }
}

/// A binary min-heap of (deadline, id).
struct DeadlineHeap {
    private var items: [(Duration, Int)] = []

    init() {}

    /// A heap of `entries`.
    init(_ entries: [(Duration, Int)]) {
        items = entries.sorted { $0.0 < $1.0 }
    }

    var count: Int { items.count }

    func peek() -> (Duration, Int)? { items.first }

    mutating func push(_ deadline: Duration, _ id: Int) {
        items.append((deadline, id))
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child].0 < items[parent].0 else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> (Duration, Int)? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < items.count, items[left].0 < items[smallest].0 { smallest = left }
            if right < items.count, items[right].0 < items[smallest].0 { smallest = right }
            guard smallest != parent else { break }
            items.swapAt(parent, smallest)
            parent = smallest
        }
        return top
    }
}
