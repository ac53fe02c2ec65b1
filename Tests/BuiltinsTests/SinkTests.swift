import Foundation
import Logging
import SummarizerCore
import SummarizerTesting
import Synchronization
import Testing

@testable import Builtins

func sampleRecord(_ id: String) -> SummaryRecord {
    SummaryRecord(
        newsURLID: id,
        url: "https://example.test/\(id)",
        title: "Title \(id)",
        summary: Summary(summary: "Summary of \(id).", keyPoints: ["one", "two"], playersMentioned: ["Ann Lee"]),
        llmModel: "mock",
        promptVersion: "v1",
        fallbackUsed: false,
        tokens: TokenUsage(prompt: 10, output: 4),
        processingTimeSeconds: 0.25,
        generatedAt: Date(timeIntervalSince1970: 1_800_000_000),
        extractor: "plainText",
        contentHash: "hash",
        fetchMethod: "file",
        inputTruncated: false
    )
}

@Suite("Sinks")
struct SinkTests {
    let context = StageContext(logger: Logger(label: "test"))

    @Test func jsonLinesSinkCreatesFoldersAndAppendsOneObjectPerRecord() async throws {
        let folder = try temporaryDirectory()
        let path = folder.appendingPathComponent("nested/out/summaries.jsonl").path
        let sink = JSONLinesSink(path: path)
        #expect(!FileManager.default.fileExists(atPath: path))
        _ = try await sink.write([sampleRecord("a"), sampleRecord("b")], context: context)
        _ = try await sink.write([sampleRecord("c")], context: context)
        try await sink.finish()

        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3)
        let decoded = try lines.map { try JSONDecoder().decode(SummaryRecord.self, from: Data($0.utf8)) }
        #expect(decoded.map(\.newsURLID) == ["a", "b", "c"])
        #expect(decoded[0] == sampleRecord("a"))

        // A second run appends rather than truncating.
        let again = JSONLinesSink(path: path)
        _ = try await again.write([sampleRecord("d")], context: context)
        #expect(try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").count == 4)
    }

    @Test func jsonLinesSinkReportsAnUnwritablePath() async throws {
        let folder = try temporaryDirectory()
        let blocker = folder.appendingPathComponent("file")
        try "x".write(to: blocker, atomically: true, encoding: .utf8)
        let sink = JSONLinesSink(path: blocker.path + "/sub/out.jsonl")
        await #expect(throws: PipelineError.self) {
            _ = try await sink.write([sampleRecord("a")], context: context)
        }
    }

    @Test func deadLetterSinkWritesFailureRecords() async throws {
        let folder = try temporaryDirectory()
        let path = folder.appendingPathComponent("failed.jsonl").path
        let sink = JSONLinesDeadLetterSink(path: path)
        let failure = FailureRecord(
            item: WorkItem(id: "x", url: "https://example.test/x"),
            stage: .extract,
            error: PipelineError(.invalidContent, "no article", reason: "no-article"),
            failedAt: Date(timeIntervalSince1970: 0)
        )
        try await sink.write([failure], context: context)
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any]
        #expect(object?["stage"] as? String == "extract")
        #expect(object?["error_kind"] as? String == "invalidContent")
        #expect(object?["reason"] as? String == "no-article")
        #expect((object?["history"] as? [Any])?.count == 1)
    }

    @Test func stdoutSinkPrintsJSONLinesOrText() async throws {
        let output = Mutex<[UInt8]>([])
        let jsonl = StdoutSink(format: .jsonl) { bytes in output.withLock { $0 += bytes } }
        _ = try await jsonl.write([sampleRecord("a"), sampleRecord("b")], context: context)
        let printed = output.withLock { String(decoding: $0, as: UTF8.self) }
        #expect(printed.split(separator: "\n").count == 2)
        #expect(printed.hasPrefix("{"))

        output.withLock { $0 = [] }
        let text = StdoutSink(format: .text) { bytes in output.withLock { $0 += bytes } }
        _ = try await text.write([sampleRecord("a")], context: context)
        let rendered = output.withLock { String(decoding: $0, as: UTF8.self) }
        #expect(rendered.contains("Title a"))
        #expect(rendered.contains("Summary of a."))
        #expect(rendered.contains("- two"))
    }
}
