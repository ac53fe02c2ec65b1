import Foundation
import Logging
import SummarizerCore
import SummarizerTesting
import Testing

@testable import Builtins

@Suite("JSON-lines files: resume, repair, locks")
struct ResumeTests {
    let context = StageContext(logger: Logger(label: "test"))

    /// Which of a few ids the sink holds.
    func held(_ sink: JSONLinesSink) async throws -> Set<String>? {
        try await sink.heldIDs(among: ["a", "b", "c", "one", "tw", "z"], context: context)
    }

    func lines(_ path: String) throws -> [Substring] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
    }

    @Test func theSinkReportsTheIdsItHoldsAndWrittenOnesAndNoneWhenResumeIsOff() async throws {
        let path = try temporaryDirectory().appendingPathComponent("out/summaries.jsonl").path
        let first = JSONLinesSink(path: path)
        try await first.prepare(context: context)
        #expect(try await held(first) == [])
        _ = try await first.write([sampleRecord("a"), sampleRecord("b")], context: context)
        _ = try await first.write([sampleRecord("c")], context: context)
        // What it wrote since the question counts too: no id goes to the file twice.
        #expect(try await held(first) == ["a", "b", "c"])
        try await first.finish()

        let second = JSONLinesSink(path: path)
        try await second.prepare(context: context)
        #expect(try await held(second) == ["a", "b", "c"])
        try await second.finish()

        let off = JSONLinesSink(path: path, resume: false)
        try await off.prepare(context: context)
        // Resume off: holds nothing, so everything is summarized again and appended.
        #expect(try await held(off) == [])
        try await off.finish()
    }

    @Test func anIncompleteLastLineIsCutOffBeforeAnythingIsAppended() async throws {
        let path = try temporaryDirectory().appendingPathComponent("summaries.jsonl").path
        let sink = JSONLinesSink(path: path)
        _ = try await sink.write([sampleRecord("a"), sampleRecord("b")], context: context)
        try await sink.finish()
        // What a kill in the middle of a write leaves: part of a line, no newline.
        let whole = try Data(contentsOf: URL(fileURLWithPath: path))
        let third = try JSONLinesFile.encoder().encode(sampleRecord("c"))
        try (whole + third.prefix(third.count / 2)).write(to: URL(fileURLWithPath: path))

        let logs = RecordingLogHandlerStore()
        let resumed = JSONLinesSink(path: path)
        try await resumed.prepare(context: StageContext(logger: logs.logger()))
        #expect(try await held(resumed) == ["a", "b"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == whole)
        #expect(logs.messages.contains { $0.contains("cut off an incomplete last line") })
        _ = try await resumed.write([sampleRecord("c")], context: context)
        try await resumed.finish()
        let decoded = try lines(path).dropLast().map { try JSONDecoder().decode(SummaryRecord.self, from: Data($0.utf8)) }
        #expect(decoded.map(\.newsURLID) == ["a", "b", "c"])
    }

    @Test func aFileOfOnlyAPartialLineIsEmptiedAndLinesWrittenByOthersAreRead() async throws {
        let path = try temporaryDirectory().appendingPathComponent("summaries.jsonl").path
        // Keys in another order and spacing, as another tool might write them, then a cut line.
        try "{\"url\": \"https://x.test/1\", \"news_url_id\": \"one\"}\n{\"news_url_id\":\"tw".write(
            toFile: path,
            atomically: true,
            encoding: .utf8
        )
        let sink = JSONLinesSink(path: path)
        try await sink.prepare(context: context)
        #expect(try await held(sink) == ["one"])
        try await sink.finish()

        try "{\"news_url_id\":\"tw".write(toFile: path, atomically: true, encoding: .utf8)
        let again = JSONLinesSink(path: path)
        try await again.prepare(context: context)
        #expect(try await held(again) == [])
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)).isEmpty)
        try await again.finish()
    }

    @Test func twoRunsCannotWriteOneFileAtOnce() async throws {
        let path = try temporaryDirectory().appendingPathComponent("summaries.jsonl").path
        let first = JSONLinesSink(path: path)
        try await first.prepare(context: context)
        let second = JSONLinesSink(path: path)
        do {
            try await second.prepare(context: context)
            Issue.record("a second writer of one file was allowed")
        } catch let error as PipelineError {
            #expect(error.kind == .misconfigured)
            #expect(error.message.contains("\(path) is being written by another run"))
        }
        try await first.finish()
        // Free again once the first run is done.
        try await second.prepare(context: context)
        try await second.finish()
    }

    @Test func theDeadLetterFileFollowsAReplacementAndRepairsItsTail() async throws {
        let folder = try temporaryDirectory()
        let path = folder.appendingPathComponent("failed.jsonl").path
        func failure(_ id: String) -> FailureRecord {
            FailureRecord(
                item: WorkItem(id: id, url: "https://x.test/\(id)"),
                stage: .fetch,
                error: PipelineError(.transient, "down"),
                failedAt: Date(timeIntervalSince1970: 0)
            )
        }
        try "{\"news_url_id\":\"cut".write(toFile: path, atomically: true, encoding: .utf8)
        let sink = JSONLinesDeadLetterSink(path: path)
        try await sink.write([failure("a")], context: context)
        #expect(try lines(path).count == 2 && lines(path)[0].contains("\"news_url_id\":\"a\""))

        // A replay rewrites the file by renaming a new one over it; the open sink follows.
        let replacement = folder.appendingPathComponent("failed.jsonl.new")
        try Data().write(to: replacement)
        #expect(rename(replacement.path, path) == 0)
        try await sink.write([failure("b")], context: context)
        try await sink.finish()
        let after = try lines(path)
        #expect(after.count == 2 && after[0].contains("\"news_url_id\":\"b\""))
    }
}
