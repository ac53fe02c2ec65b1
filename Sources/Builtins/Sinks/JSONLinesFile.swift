import Foundation
import SummarizerCore
import Synchronization

/// An append-only JSON-lines file, opened on first write, flushed to disk per batch.
final class JSONLinesFile: Sendable {
    let path: String
    private let descriptor = Mutex<Int32?>(nil)

    init(path: String) {
        self.path = path
    }

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// Appends one line per value and makes it durable before returning.
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
        try descriptor.withLock { (descriptor: inout Int32?) throws(PipelineError) in
            let fd: Int32
            if let open = descriptor {
                fd = open
            } else {
                fd = try open()
                descriptor = fd
            }
            try Self.writeAll(bytes, to: fd, path: path)
            // A record counts as written once acknowledged: make it survive a crash.
            if fsync(fd) != 0 {
                throw PipelineError(.transient, "cannot flush \(path): \(String(cString: strerror(errno)))")
            }
        }
    }

    private func open() throws(PipelineError) -> Int32 {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw PipelineError(.misconfigured, "cannot create the folder \(folder.path): \(error.localizedDescription)")
        }
        let fd = Foundation.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw PipelineError(.misconfigured, "cannot open \(path) for appending: \(String(cString: strerror(errno)))")
        }
        return fd
    }

    private static func writeAll(_ bytes: [UInt8], to fd: Int32, path: String) throws(PipelineError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw PipelineError(.transient, "cannot write \(path): \(String(cString: strerror(errno)))")
            }
            offset += written
        }
    }

    func close() {
        descriptor.withLock { descriptor in
            if let fd = descriptor { _ = Foundation.close(fd) }
            descriptor = nil
        }
    }
}
