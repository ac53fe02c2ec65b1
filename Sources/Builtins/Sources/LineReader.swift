import Foundation
import SummarizerCore
import Synchronization

/// Reads a file descriptor line by line with a bounded buffer.
///
/// Lines longer than ``maximumLineBytes`` are reported as too long and skipped up to their
/// newline, so one enormous line can neither exhaust memory nor hide the lines after it.
final class LineReader: Sendable {
    /// One line read.
    enum Line: Equatable {
        case text(String, number: Int)
        case tooLong(bytes: Int, number: Int)
        case notUTF8(number: Int)
    }

    static let maximumLineBytes = 64 * 1024

    private struct State {
        var descriptor: Int32
        var closeWhenDone: Bool
        var buffer: [UInt8] = []
        var start = 0
        var finished = false
        var lineNumber = 0
        var skippingLongLine: Int?
    }

    private let state: Mutex<State>

    /// Reads from `descriptor`; closes it at the end when `closeWhenDone`.
    init(descriptor: Int32, closeWhenDone: Bool) {
        state = Mutex(State(descriptor: descriptor, closeWhenDone: closeWhenDone))
    }

    /// Opens `path` for reading.
    convenience init(path: String) throws(PipelineError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            throw PipelineError(.misconfigured, "cannot open \(path): \(reason)")
        }
        self.init(descriptor: descriptor, closeWhenDone: true)
    }

    /// The next line, without its line terminator; `nil` at the end. Blocks while reading.
    func next() throws -> Line? {
        try state.withLock { state in
            while true {
                if let newline = state.buffer[state.start...].firstIndex(of: UInt8(ascii: "\n")) {
                    let bytes = state.buffer[state.start..<newline]
                    state.start = newline + 1
                    return Self.line(bytes, &state)
                }
                if state.finished {
                    guard state.start < state.buffer.count || state.skippingLongLine != nil else { return nil }
                    let bytes = state.buffer[state.start...]
                    state.start = state.buffer.count
                    return Self.line(bytes, &state)
                }
                // Compact, then check the pending line's length before reading more.
                if state.start > 0 {
                    state.buffer.removeFirst(state.start)
                    state.start = 0
                }
                if state.buffer.count > Self.maximumLineBytes {
                    if state.skippingLongLine == nil { state.lineNumber += 1 }
                    state.skippingLongLine = (state.skippingLongLine ?? 0) + state.buffer.count
                    state.buffer.removeAll(keepingCapacity: true)
                }
                var chunk = [UInt8](repeating: 0, count: 64 * 1024)
                let count = chunk.withUnsafeMutableBytes { read(state.descriptor, $0.baseAddress, $0.count) }
                if count < 0 {
                    if errno == EINTR { continue }
                    throw PipelineError(.transient, "reading failed: \(String(cString: strerror(errno)))")
                }
                if count == 0 {
                    state.finished = true
                    if state.closeWhenDone { close(state.descriptor) }
                } else {
                    state.buffer.append(contentsOf: chunk[0..<count])
                }
            }
        }
    }

    /// The line that `bytes` end, counting it and reporting an overlong one.
    private static func line(_ bytes: ArraySlice<UInt8>, _ state: inout State) -> Line {
        if let skipped = state.skippingLongLine {
            state.skippingLongLine = nil
            return .tooLong(bytes: skipped + bytes.count, number: state.lineNumber)
        }
        state.lineNumber += 1
        if bytes.count > maximumLineBytes { return .tooLong(bytes: bytes.count, number: state.lineNumber) }
        return decode(bytes, number: state.lineNumber)
    }

    private static func decode(_ bytes: ArraySlice<UInt8>, number: Int) -> Line {
        var bytes = bytes
        if bytes.last == UInt8(ascii: "\r") { bytes = bytes.dropLast() }
        if number == 1, bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        guard let text = String(validating: bytes, as: UTF8.self) else { return .notUTF8(number: number) }
        return .text(text, number: number)
    }

    /// Reads the next line on a thread outside Swift's cooperative pool, because a read of
    /// standard input can block for as long as the producer takes.
    ///
    /// Cancellation (a stop) ends the wait at once with `CancellationError`; the blocked read
    /// is abandoned, and the reader must not be used again.
    func nextAsync() async throws -> Line? {
        let waiter = Mutex<CheckedContinuation<Line?, any Error>?>(nil)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                waiter.withLock { $0 = continuation }
                if Task.isCancelled {
                    waiter.withLock { $0.take() }?.resume(throwing: CancellationError())
                    return
                }
                DispatchQueue.global().async {
                    let result = Result { try self.next() }
                    waiter.withLock { $0.take() }?.resume(with: result)
                }
            }
        } onCancel: {
            waiter.withLock { $0.take() }?.resume(throwing: CancellationError())
        }
    }
}
