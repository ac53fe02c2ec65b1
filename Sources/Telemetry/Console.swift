import Foundation
import SummarizerCore
import Synchronization

/// Standard error, shared by log lines and the live progress line so they never interleave.
///
/// On a terminal the progress line is the last line of the screen: a log line first erases it,
/// is written whole, and the progress line is drawn again below it. Every write is one `write(2)`
/// under a lock (and the ``OutputGate``), so lines from concurrent tasks never mix.
public final class Console: Sendable {
    private struct State {
        var progress: String?
    }

    private let descriptor: Int32
    /// Whether the descriptor is a terminal (progress is redrawn in place only there).
    public let isTerminal: Bool
    private let state = Mutex(State())

    /// Standard error of this process.
    public static let standardError = Console(descriptor: 2)

    /// A console writing to `descriptor`.
    public init(descriptor: Int32, isTerminal: Bool? = nil) {
        self.descriptor = descriptor
        self.isTerminal = isTerminal ?? (isatty(descriptor) == 1)
    }

    /// Erases the progress line and the rest of the line (`CR`, `EL`).
    static let eraseLine = "\r\u{1B}[2K"

    /// Writes `line` (a newline is added); on a terminal the progress line stays below it.
    public func writeLine(_ line: String) {
        state.withLock { state in
            if isTerminal, let progress = state.progress {
                emit(Self.eraseLine + line + "\n" + progress)
            } else {
                emit(line + "\n")
            }
        }
    }

    /// Shows `line` as the progress: redrawn in place on a terminal, a line of its own otherwise.
    public func showProgress(_ line: String) {
        state.withLock { state in
            if isTerminal {
                state.progress = line
                emit(Self.eraseLine + line)
            } else {
                emit(line + "\n")
            }
        }
    }

    /// Removes the progress line from a terminal, so what follows starts on a clean line.
    public func clearProgress() {
        state.withLock { state in
            guard state.progress != nil else { return }
            state.progress = nil
            if isTerminal { emit(Self.eraseLine) }
        }
    }

    private func emit(_ text: String) {
        OutputGate.write {
            var bytes = Array(text.utf8)
            var offset = 0
            while offset < bytes.count {
                let written = bytes.withUnsafeMutableBytes { buffer in
                    Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                }
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}
