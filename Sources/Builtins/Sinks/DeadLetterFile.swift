import Foundation
import SummarizerCore

/// A dead-letter file as `summarize replay` reads and rewrites it.
///
/// The file is read and rewritten under the same lock the dead-letter sink takes for each
/// append, and rewritten by renaming a complete new file over it, so a crash leaves either the
/// old file or the new one, and a run appending meanwhile waits, then appends to the new file.
public enum DeadLetterFile {
    /// One line of the file.
    public struct Line: Sendable {
        /// The line as stored, without its newline.
        public var text: String
        /// The failure it holds; `nil` for a line that is not one (kept as it is).
        public var failure: FailureRecord?
    }

    /// The lines of the file at `path`; none when it does not exist.
    public static func read(path: String) throws(PipelineError) -> [Line] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        return try withLock(path) { fd throws(PipelineError) in try lines(fd, path: path) }
    }

    /// Replaces the file's lines with `transform` of its current lines, atomically.
    public static func rewrite(path: String, _ transform: ([Line]) -> [String]) throws(PipelineError) {
        try withLock(path) { fd throws(PipelineError) in
            let kept = transform(try lines(fd, path: path))
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
            let temporary = path + ".replay-\(getpid())"
            var bytes: [UInt8] = []
            for line in kept {
                bytes += Array(line.utf8)
                bytes.append(UInt8(ascii: "\n"))
            }
            let out = Foundation.open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard out >= 0 else {
                throw PipelineError(.misconfigured, "cannot write \(temporary): \(String(cString: strerror(errno)))")
            }
            do throws(PipelineError) {
                try JSONLinesFile.appendDurably(bytes, to: out, path: temporary)
            } catch {
                Foundation.close(out)
                unlink(temporary)
                throw error
            }
            Foundation.close(out)
            guard rename(temporary, path) == 0 else {
                let reason = String(cString: strerror(errno))
                unlink(temporary)
                throw PipelineError(.misconfigured, "cannot replace \(path): \(reason)")
            }
            // The rename itself must survive a crash too.
            let directory = Foundation.open(folder.isEmpty ? "." : folder, O_RDONLY | O_CLOEXEC)
            if directory >= 0 {
                fsync(directory)
                Foundation.close(directory)
            }
        }
    }

    /// The lines with one line per item: an item's failures merged into one at the place of its
    /// first line (``FailureRecord/merged(_:)``), and those of `resolved` items that failed
    /// before `failedBefore` dropped. Lines that are not failures stay as they are.
    public static func compact(
        _ lines: [Line],
        dropping resolved: Set<String> = [],
        failedBefore: Date = .distantFuture
    ) -> (
        lines: [String], merged: Int, dropped: Int
    ) {
        var groups: [String: [FailureRecord]] = [:]
        for line in lines {
            guard let failure = line.failure else { continue }
            if resolved.contains(failure.newsURLID), failure.failedAt < failedBefore { continue }
            groups[failure.newsURLID, default: []].append(failure)
        }
        let encoder = JSONLinesFile.encoder()
        var emitted: Set<String> = []
        var output: [String] = []
        var merged = 0
        var dropped = 0
        for line in lines {
            guard let failure = line.failure else {
                output.append(line.text)
                continue
            }
            guard let group = groups[failure.newsURLID] else {
                dropped += 1
                continue
            }
            guard emitted.insert(failure.newsURLID).inserted else { continue }
            if group.count == 1, group[0] == failure {
                output.append(line.text)
                continue
            }
            merged += max(0, group.count - 1)
            guard let one = FailureRecord.merged(group), let encoded = try? encoder.encode(one) else {
                output.append(line.text)
                continue
            }
            output.append(String(decoding: encoded, as: UTF8.self))
        }
        return (output, merged, dropped)
    }

    private static func withLock<T>(_ path: String, _ body: (Int32) throws(PipelineError) -> T) throws(PipelineError) -> T {
        let fd = try JSONLinesFile.openFile(path)
        defer { Foundation.close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else {
                throw PipelineError(.transient, "cannot lock \(path): \(String(cString: strerror(errno)))")
            }
        }
        return try body(fd)
    }

    private static func lines(_ fd: Int32, path: String) throws(PipelineError) -> [Line] {
        // A cut last line is no failure of anyone's: it is dropped as the sink would drop it.
        _ = try JSONLinesFile.repairTail(fd, path: path)
        let decoder = JSONDecoder()
        var lines: [Line] = []
        try JSONLinesFile.forEachLine(fd, path: path) { bytes in
            guard !bytes.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") }) else { return }
            let text = String(decoding: bytes, as: UTF8.self)
            lines.append(Line(text: text, failure: try? decoder.decode(FailureRecord.self, from: Data(bytes))))
        }
        return lines
    }
}
