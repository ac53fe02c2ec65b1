import Foundation
import Synchronization

/// Keeps an immediate exit (a second Ctrl-C) from cutting a write to an output in half.
///
/// Writers of output files and standard output hold the gate while they write; ``exitNow(_:)``
/// takes it before it ends the process, so every line written is written whole.
public enum OutputGate {
    private static let lock = Mutex(())

    /// Runs `body`, a write of output, with the gate held.
    public static func write<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        try lock.withLock { _ throws(E) in try body() }
    }

    /// Ends the process with `code` once no output is being written.
    public static func exitNow(_ code: Int32) -> Never {
        lock.withLock { _ in _exit(code) }
    }
}
