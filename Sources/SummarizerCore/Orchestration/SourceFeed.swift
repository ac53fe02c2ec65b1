import Synchronization

/// Reads a source's stream in a task of its own, one element per request, so the orchestrator
/// can stop waiting for the next item the moment a stop is requested: a source may block on
/// standard input or sleep between polls for as long as it likes.
///
/// Nothing is read ahead: the source is asked for an element only when the orchestrator has
/// room for one, as if it pulled the stream itself.
final class SourceFeed: Sendable {
    enum Received: Sendable {
        case element(SourceElement)
        case end
        case failed(any Error)
        /// ``stop()`` was called.
        case stopped
    }

    private struct State {
        /// The reader, waiting to be asked for an element.
        var reader: CheckedContinuation<Bool, Never>?
        /// Asked for an element before the reader waited.
        var requested = false
        /// The orchestrator, waiting for an element.
        var consumer: CheckedContinuation<Received, Never>?
        var stopped = false
    }

    private let state = Mutex(State())

    /// Reads `stream` until it ends, fails, or the feed is stopped or cancelled.
    func run(_ stream: AsyncThrowingStream<SourceElement, any Error>) async {
        var iterator = stream.makeAsyncIterator()
        while await waitForRequest() {
            let received: Received
            do {
                received = try await iterator.next().map(Received.element) ?? .end
            } catch {
                received = .failed(error)
            }
            deliver(received)
            guard case .element = received else { return }
        }
    }

    /// The next element; `.stopped` as soon as the feed is stopped.
    func next() async -> Received {
        await withCheckedContinuation { (continuation: CheckedContinuation<Received, Never>) in
            let (stopped, reader) = state.withLock { state -> (Bool, CheckedContinuation<Bool, Never>?) in
                if state.stopped { return (true, nil) }
                state.consumer = continuation
                if let reader = state.reader {
                    state.reader = nil
                    return (false, reader)
                }
                state.requested = true
                return (false, nil)
            }
            if stopped { continuation.resume(returning: .stopped) }
            reader?.resume(returning: true)
        }
    }

    /// Wakes a waiting ``next()`` with `.stopped` and ends the reader at its next request.
    func stop() {
        let (consumer, reader) = state.withLock { state in
            state.stopped = true
            defer {
                state.consumer = nil
                state.reader = nil
            }
            return (state.consumer, state.reader)
        }
        consumer?.resume(returning: .stopped)
        reader?.resume(returning: false)
    }

    private func waitForRequest() async -> Bool {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let now: Bool? = state.withLock { state in
                    if state.stopped || Task.isCancelled { return false }
                    if state.requested {
                        state.requested = false
                        return true
                    }
                    state.reader = continuation
                    return nil
                }
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            stop()
        }
    }

    private func deliver(_ received: Received) {
        let consumer = state.withLock { state in
            defer { state.consumer = nil }
            return state.consumer
        }
        consumer?.resume(returning: received)
    }
}
