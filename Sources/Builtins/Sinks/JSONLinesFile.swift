import Foundation
import SummarizerCore
import Synchronization

/// An append-only JSON-lines file: each batch is appended whole and flushed to disk.
///
/// Crash safety: a batch is one `write` followed by `fsync`, so after a crash only the last
/// line can be incomplete; ``repairTail()`` cuts such a line off before anything is appended.
/// Two processes are kept apart with `flock`: a sink's output is held for the whole run (a
/// second run on the same file is refused), a dead-letter file only while a batch is appended,
/// so runs with different outputs may share it.
final class JSONLinesFile: Sendable {
    /// How the file is locked against other processes.
    enum Locking: Sendable {
        /// Exclusively, from ``open()`` to ``close()``; a file held by another run is an error.
        case forRun
        /// For each append only, waiting for another process's append to end.
        case perAppend
    }

    let path: String
    let locking: Locking
    private struct State {
        var descriptor: Int32?
        var repaired = false
    }

    private let state = Mutex(State())

    init(path: String, locking: Locking) {
        self.path = path
        self.locking = locking
    }

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// Opens the file (creating its folder), takes the lock and repairs an incomplete last line;
    /// returns how many bytes the repair cut off.
    @discardableResult
    func open() throws(PipelineError) -> Int {
        try state.withLock { (state: inout State) throws(PipelineError) -> Int in
            try openLocked(&state)
        }
    }

    private func openLocked(_ state: inout State) throws(PipelineError) -> Int {
        if state.descriptor != nil { return 0 }
        let fd = try Self.openFile(path)
        if locking == .forRun, flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let busy = errno == EWOULDBLOCK
            Foundation.close(fd)
            if busy {
                throw PipelineError(
                    .misconfigured,
                    "\(path) is being written by another run (it holds the file's lock); wait for it to end, or give this run another path"
                )
            }
            throw PipelineError(.misconfigured, "cannot lock \(path): \(String(cString: strerror(errno)))")
        }
        state.descriptor = fd
        if locking == .forRun {
            state.repaired = true
            return try Self.repairTail(fd, path: path)
        }
        return 0
    }

    /// Appends one line per value and makes them durable before returning.
    func append(_ values: [some Encodable]) throws(PipelineError) {
        let encoder = Self.encoder()
        var bytes: [UInt8] = []
        for value in values {
            do {
                bytes += try encoder.encode(value)
            } catch {
                throw PipelineError(.invalidContent, "cannot encode a record as JSON: \(error)")
            }
            bytes.append(UInt8(ascii: "\n"))
        }
        try state.withLock { (state: inout State) throws(PipelineError) in
            _ = try openLocked(&state)
            guard let fd = state.descriptor else { return }
            switch locking {
            case .forRun:
                try OutputGate.write { () throws(PipelineError) in try Self.appendDurably(bytes, to: fd, path: path) }
            case .perAppend:
                let current = try lockCurrentFile(&state)
                defer { flock(current, LOCK_UN) }
                if !state.repaired {
                    state.repaired = true
                    _ = try Self.repairTail(current, path: path)
                }
                try OutputGate.write { () throws(PipelineError) in try Self.appendDurably(bytes, to: current, path: path) }
            }
        }
    }

    /// Takes the append lock on the file now at `path`: a file replaced meanwhile (a replay
    /// rewrote it) is opened again, so nothing is appended to a file no longer in place.
    private func lockCurrentFile(_ state: inout State) throws(PipelineError) -> Int32 {
        while true {
            guard let fd = state.descriptor else { throw PipelineError(.transient, "\(path) is not open") }
            while flock(fd, LOCK_EX) != 0 {
                guard errno == EINTR else {
                    throw PipelineError(.transient, "cannot lock \(path): \(String(cString: strerror(errno)))")
                }
            }
            var open = stat()
            var named = stat()
            if fstat(fd, &open) == 0, stat(path, &named) == 0, open.st_dev == named.st_dev, open.st_ino == named.st_ino {
                return fd
            }
            flock(fd, LOCK_UN)
            Foundation.close(fd)
            state.descriptor = try Self.openFile(path)
            state.repaired = false
        }
    }

    /// The `news_url_id` of every complete line, read from the start of the open file.
    func readIDs() throws(PipelineError) -> IDSet {
        let fd = try state.withLock { (state: inout State) throws(PipelineError) -> Int32 in
            _ = try openLocked(&state)
            return state.descriptor!
        }
        var ids = IDSet()
        try Self.forEachLine(fd, path: path) { line in
            if let id = Self.newsURLID(in: line) { ids.insert(id) }
        }
        return ids
    }

    func close() {
        state.withLock { state in
            if let fd = state.descriptor {
                // Closing the descriptor releases the flock.
                _ = Foundation.close(fd)
            }
            state.descriptor = nil
            state.repaired = false
        }
    }

    // MARK: - File operations

    static func openFile(_ path: String) throws(PipelineError) -> Int32 {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw PipelineError(.misconfigured, "cannot create the folder \(folder.path): \(error.localizedDescription)")
        }
        let fd = Foundation.open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw PipelineError(.misconfigured, "cannot open \(path) for appending: \(String(cString: strerror(errno)))")
        }
        return fd
    }

    /// Cuts an incomplete last line (one without its newline) off the file; returns the bytes cut.
    ///
    /// Every batch ends with a newline, so a last byte that is not one can only be a write a
    /// crash interrupted; its items were never acknowledged, so the next run does them again.
    static func repairTail(_ fd: Int32, path: String) throws(PipelineError) -> Int {
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw PipelineError(.transient, "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        let size = Int(info.st_size)
        guard size > 0 else { return 0 }
        var end = size
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while end > 0 {
            let start = max(0, end - chunk.count)
            let count = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, end - start, off_t(start)) }
            guard count == end - start else {
                throw PipelineError(.transient, "cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if end == size, chunk[count - 1] == UInt8(ascii: "\n") { return 0 }
            if let newline = chunk[0..<count].lastIndex(of: UInt8(ascii: "\n")) {
                end = start + newline + 1
                break
            }
            end = start
        }
        guard ftruncate(fd, off_t(end)) == 0, fsync(fd) == 0 else {
            throw PipelineError(.transient, "cannot repair \(path): \(String(cString: strerror(errno)))")
        }
        return size - end
    }

    /// Calls `body` with every complete line of the file, read from its start.
    static func forEachLine(_ fd: Int32, path: String, _ body: (ArraySlice<UInt8>) -> Void) throws(PipelineError) {
        try forEachLine(fd, path: path) { line, _ in body(line) }
    }

    /// Calls `body` with every complete line of the file and the offset where it starts.
    static func forEachLine(_ fd: Int32, path: String, _ body: (ArraySlice<UInt8>, Int) -> Void) throws(PipelineError) {
        var offset: off_t = 0
        var pending: [UInt8] = []
        var pendingStart = 0
        var chunk = [UInt8](repeating: 0, count: 256 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, offset) }
            if count < 0 {
                if errno == EINTR { continue }
                throw PipelineError(.transient, "cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if count == 0 { return }
            let chunkStart = Int(offset)
            offset += off_t(count)
            var start = 0
            while let newline = chunk[start..<count].firstIndex(of: UInt8(ascii: "\n")) {
                if pending.isEmpty {
                    body(chunk[start..<newline], chunkStart + start)
                } else {
                    pending += chunk[start..<newline]
                    body(pending[...], pendingStart)
                    pending.removeAll(keepingCapacity: true)
                }
                start = newline + 1
            }
            if pending.isEmpty { pendingStart = chunkStart + start }
            pending += chunk[start..<count]
        }
    }

    private static let idKey = Array(#""news_url_id":""#.utf8)

    /// The top-level `news_url_id` of a line of this file.
    ///
    /// Lines are written with sorted keys and no nested object has the key, so the first
    /// occurrence is the record's; a line written otherwise is decoded in full.
    static func newsURLID(in line: ArraySlice<UInt8>) -> String? {
        if let keyStart = line.firstRange(of: idKey) {
            let value = line[keyStart.upperBound...]
            if let close = value.firstIndex(of: UInt8(ascii: "\"")), !value[..<close].contains(UInt8(ascii: "\\")) {
                return String(decoding: value[..<close], as: UTF8.self)
            }
        }
        struct Keyed: Decodable {
            var news_url_id: String
        }
        return try? JSONDecoder().decode(Keyed.self, from: Data(line)).news_url_id
    }

    /// Writes `bytes` at the end of the file and flushes them to disk.
    static func appendDurably(_ bytes: [UInt8], to fd: Int32, path: String) throws(PipelineError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw PipelineError(.transient, "cannot write \(path): \(String(cString: strerror(errno)))")
            }
            offset += written
        }
        // A record counts as written once acknowledged: make it survive a crash.
        if fsync(fd) != 0 {
            throw PipelineError(.transient, "cannot flush \(path): \(String(cString: strerror(errno)))")
        }
    }
}
