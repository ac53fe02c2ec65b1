import Foundation
import Testing

/// Bad input of every kind gets a clear error or a per-item failure, never a crash.
// Serialized: eleven cases of two processes each would otherwise start at once beside every other test.
@Suite("bad input", .serialized)
struct BadInputCLITests {
    static let configs: [(name: String, bytes: [UInt8], says: String)] = [
        ("empty", [], "not valid JSON"),
        ("not JSON", Array("source: urlFile".utf8), "not valid JSON"),
        ("an array", Array("[1, 2]".utf8), "must be a JSON object"),
        ("cut short", Array(#"{"source": {"type": "urlFile", "path": "#.utf8), "not valid JSON"),
        ("not UTF-8", [0xFF, 0xFE, 0x7B, 0x00, 0x22, 0x00], "not valid JSON"),
        ("nested too deep", Array((String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)).utf8), "not valid JSON"),
        ("a number for a stage", Array(#"{"source": 5, "summarizer": {"type": "mock"}, "sinks": [{"type": "stdout"}]}"#.utf8), "/source"),
        (
            "an unknown plugin",
            Array(#"{"source": {"type": "urlFiel", "path": "u.txt"}, "summarizer": {"type": "mock"}, "sinks": [{"type": "stdout"}]}"#.utf8), "urlFile"
        ),
        (
            "a wrong type",
            Array(
                #"{"source": {"type": "urlFile", "path": "u.txt"}, "summarizer": {"type": "mock"}, "sinks": [{"type": "stdout"}], "run": {"concurrency": "eight"}}"#
                    .utf8
            ), "/run/concurrency"
        ),
        ("no sinks", Array(#"{"source": {"type": "urlFile", "path": "u.txt"}, "summarizer": {"type": "mock"}, "sinks": []}"#.utf8), "/sinks"),
        (
            "a huge number",
            Array(
                #"{"source": {"type": "urlFile", "path": "u.txt"}, "summarizer": {"type": "mock"}, "sinks": [{"type": "stdout"}], "run": {"batchSize": 1e400}}"#
                    .utf8
            ), "not representable"
        ),
    ]

    @Test(arguments: configs.indices)
    func aMalformedConfigIsAConfigurationErrorSayingWhere(index: Int) async throws {
        let (name, bytes, says) = Self.configs[index]
        let folder = try CLIRunner.sandbox()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(bytes).write(to: folder.appendingPathComponent("bad.json"))
        for command in ["validate", "run"] {
            let result = try await CLIRunner.run([command, "--config", "bad.json"], in: folder)
            // validate prints its findings on standard output; run on standard error.
            let said = result.stdout + result.stderr
            #expect(result.status == 78, "\(name), \(command): \(said)")
            #expect(said.contains("bad.json") && said.contains(says), "\(name), \(command): \(said)")
        }
    }

    @Test func aURLListWithJunkIsReportedByLineAndTheRestProcessed() async throws {
        let folder = try CLIRunner.sandbox()
        defer { try? FileManager.default.removeItem(at: folder) }
        var list: [UInt8] = [0xEF, 0xBB, 0xBF]
        list += Array("Examples/pages/week9-recap.html\r\n".utf8)
        list += Array("javascript:alert(1)\n".utf8)
        list += [0x68, 0x74, 0x74, 0x70, 0xC3, 0x28, 0x0A]  // "http" and a broken UTF-8 sequence
        list += Array(String(repeating: "x", count: 200_000).utf8) + [0x0A]
        list += Array("{\"url\": \n".utf8)
        list += Array("Examples/pages/column-analysis.html\n".utf8)
        try Data(list).write(to: folder.appendingPathComponent("urls.txt"))
        try String(contentsOf: folder.appendingPathComponent("config.json"), encoding: .utf8)
            .replacingOccurrences(of: "Examples/urls.txt", with: "urls.txt")
            .write(to: folder.appendingPathComponent("junk.json"), atomically: true, encoding: .utf8)

        let result = try await CLIRunner.run(["run", "--config", "junk.json"], in: folder)
        #expect(result.status == 1, "stderr: \(result.stderr)")
        #expect(result.stderr.contains("2 read, 2 written, 4 failed"), "stderr: \(result.stderr)")
        for line in 2...5 {
            #expect(result.stderr.contains("urls.txt line \(line)"), "line \(line) not reported: \(result.stderr)")
        }
        let failures = try String(contentsOf: folder.appendingPathComponent("out/failed.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(failures.count == 4)
        #expect(failures.allSatisfy { $0.contains("\"stage\":\"source\"") })
    }
}
