import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a program and returns its exit status with its own resource usage (CPU time, peak
/// resident memory), which Foundation's `Process` does not expose: it is reaped with `wait4`.
enum ChildProcess {
    struct Outcome {
        var status: Int32
        var userSeconds: Double
        var systemSeconds: Double
        /// Peak resident set size in bytes.
        var peakRSS: Int
        var cpuSeconds: Double { userSeconds + systemSeconds }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `executable` with `arguments`, its standard output and error written to the files
    /// at `stdout` and `stderr`; waits on a thread of its own so no task is blocked.
    static func run(_ executable: String, _ arguments: [String], stdout: String, stderr: String) async throws -> Outcome {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else {
            throw Failure(description: "cannot start \(executable): \(String(cString: strerror(spawned)))")
        }
        let child = pid
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var status: Int32 = 0
                var usage = rusage()
                while wait4(child, &status, 0, &usage) == -1, errno == EINTR {}
                let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
                continuation.resume(
                    returning: Outcome(
                        status: exit, userSeconds: usage.ru_utime.seconds, systemSeconds: usage.ru_stime.seconds,
                        peakRSS: Int(usage.ru_maxrss) * 1024))
            }
        }
    }
}

extension timeval {
    var seconds: Double { Double(tv_sec) + Double(tv_usec) / 1e6 }
}
