import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a program and returns its exit status with its own resource usage (CPU time, peak
/// resident memory), which Foundation's `Process` does not expose: it is reaped with `wait4`,
/// and its memory read from /proc (Linux).
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
    /// at `stdout` and `stderr`; watches it from a thread of its own so no task is blocked.
    static func run(_ executable: String, _ arguments: [String], stdout: String, stderr: String) async throws -> Outcome {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else {
            throw Failure(description: "cannot start \(executable): \(String(cString: strerror(spawned)))")
        }
        let child = pid
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                // The kernel's peak RSS of a child (ru_maxrss) includes this process's memory at
                // the time of the spawn (posix_spawn shares it until exec), so the child's own
                // peak is read from /proc while it runs; VmHWM only grows, so the last reading
                // is its peak but for the last few milliseconds.
                var peak = 0
                var status: Int32 = 0
                var usage = rusage()
                while true {
                    peak = max(peak, highWaterMark(of: child) ?? 0)
                    let reaped = wait4(child, &status, WNOHANG, &usage)
                    if reaped == child || (reaped == -1 && errno != EINTR) { break }
                    usleep(10_000)
                }
                let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
                continuation.resume(
                    returning: Outcome(
                        status: exit,
                        userSeconds: usage.ru_utime.seconds,
                        systemSeconds: usage.ru_stime.seconds,
                        peakRSS: peak
                    )
                )
            }
        }
    }

    /// The peak resident set size of a running process, in bytes (`VmHWM` of /proc/PID/status).
    static func highWaterMark(of pid: pid_t) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kilobytes = Int(line.dropFirst(6).trimmingCharacters(in: .whitespaces).dropLast(3))
        else { return nil }
        return kilobytes * 1024
    }
}

extension timeval {
    var seconds: Double { Double(tv_sec) + Double(tv_usec) / 1e6 }
}
