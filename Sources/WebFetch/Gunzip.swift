import CZlib
import SummarizerCore

/// Decompresses gzip data (a `.gz` file) with zlib, refusing output past a limit.
public enum Gunzip {
    /// The gzip magic number every `.gz` file starts with.
    public static func isGzip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// The decompressed bytes of `compressed` (one or more concatenated gzip members).
    ///
    /// - Throws: ``PipelineError`` `invalidContent`: `too-large` once the output would pass
    ///   `limit` bytes (a decompression bomb stops there, not at the end of memory), `bad-gzip`
    ///   for data zlib cannot read.
    public static func decompress(_ compressed: [UInt8], limit: Int) throws(PipelineError) -> [UInt8] {
        guard !compressed.isEmpty else {
            throw PipelineError(.invalidContent, "the gzip data is empty", reason: "bad-gzip")
        }
        var stream = z_stream()
        // 15 + 32: the largest window, and a gzip or zlib header detected automatically.
        guard summarizer_inflateInit2(&stream, 15 + 32) == Z_OK else {
            throw PipelineError(.invalidContent, "zlib could not start a decompression", reason: "bad-gzip")
        }
        defer { inflateEnd(&stream) }

        var output: [UInt8] = []
        output.reserveCapacity(min(limit, compressed.count * 4))
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var status = Z_OK
        var consumed = 0
        while true {
            let produced = compressed.withUnsafeBufferPointer { input in
                chunk.withUnsafeMutableBufferPointer { out in
                    stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress!.advanced(by: consumed))
                    stream.avail_in = uInt(input.count - consumed)
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(out.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    consumed = input.count - Int(stream.avail_in)
                    return out.count - Int(stream.avail_out)
                }
            }
            guard status == Z_OK || status == Z_STREAM_END || (status == Z_BUF_ERROR && produced > 0) else {
                throw PipelineError(.invalidContent, "the gzip data is damaged (zlib status \(status))", reason: "bad-gzip")
            }
            guard output.count + produced <= limit else {
                throw PipelineError(.invalidContent, "the gzip data expands beyond \(limit) bytes", reason: "too-large")
            }
            output.append(contentsOf: chunk[0..<produced])
            if status == Z_STREAM_END {
                // Another member may follow (concatenated .gz files are one file).
                guard consumed < compressed.count, isGzip(Array(compressed[consumed...].prefix(2))) else { break }
                guard inflateReset(&stream) == Z_OK else { break }
                continue
            }
            if consumed == compressed.count, produced == 0 {
                throw PipelineError(.invalidContent, "the gzip data ends before its end marker", reason: "bad-gzip")
            }
        }
        return output
    }
}
