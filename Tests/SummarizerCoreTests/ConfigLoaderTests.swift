import Foundation
import Logging
import Testing

@testable import SummarizerCore

@Suite("Config validation")
struct ConfigLoaderTests {
    let environment = ["TEST_API_KEY": "sk-test-secret-123"]

    func load(_ json: String, environment: [String: String]? = nil) throws(ConfigError) -> PipelineConfig {
        try ConfigLoader(registry: TestRegistry.make(), environment: environment ?? self.environment)
            .load(data: Data(json.utf8), baseDirectory: "/srv/project")
    }

    func problems(_ json: String, environment: [String: String]? = nil) -> [ConfigProblem] {
        problems(json, environment)
    }

    func problems(_ json: String, _ environment: [String: String]?) -> [ConfigProblem] {
        do {
            _ = try load(json, environment: environment)
            return []
        } catch {
            return error.problems
        }
    }

    func editing(_ edit: (inout [String: Any]) -> Void) -> String {
        var object = try! JSONSerialization.jsonObject(with: Data(TestRegistry.validConfig.utf8)) as! [String: Any]
        edit(&object)
        return String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    @Test func validConfigLoadsWithDefaultsAndResolvedPaths() throws {
        let config = try load(TestRegistry.validConfig)
        #expect(config.source.config.string("path") == "/srv/project/urls.txt")
        #expect(config.source.config.int("count") == 3)
        #expect(config.source.config.origins["count"] == .default)
        #expect(config.summarizer.config.string("apiKey") == "sk-test-secret-123")
        #expect(config.fetcher.middleware == ["outer", "inner"])
        #expect(config.extractor.middleware == nil)
        #expect(config.run.concurrency == 2)
        #expect(config.run.batchSize == 100)
        #expect(config.sinks.count == 2)
        #expect(config.sinks[1].config.int("batchSize") == 5)
    }

    /// Arguments naming a file beside the config resolve against its folder, as paths do; options,
    /// words and paths that exist nowhere there pass as written.
    @Test func argumentsNamingFilesBesideTheConfigAreResolvedAgainstItsFolder() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("arguments-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("exec"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("print(1)".utf8).write(to: folder.appendingPathComponent("exec/worker.py"))
        let json = editing {
            $0["extractor"] = ["type": "text", "args": ["exec/worker.py", "-u", "--mode=fast", "missing.py", "/usr/bin/env", "exec"]]
        }
        let config = try ConfigLoader(registry: TestRegistry.make(), environment: environment)
            .load(data: Data(json.utf8), baseDirectory: folder.path)
        let base = folder.standardizedFileURL.path
        #expect(
            config.extractor.config.strings("args") == [
                "\(base)/exec/worker.py", "-u", "--mode=fast", "missing.py", "/usr/bin/env", "\(base)/exec",
            ]
        )
    }

    @Test func misspeltKeySuggestsTheRightOne() {
        let found = problems(editing { $0["run"] = ["concurency": 4] })
        #expect(found.map(\.pointer.description) == ["/run/concurency"])
        #expect(found.first?.message.contains("did you mean \"concurrency\"") == true)
    }

    @Test func unknownTopLevelSectionIsReported() {
        let found = problems(editing { $0["sink"] = [["type": "memory"]] })
        #expect(found.contains { $0.pointer.description == "/sink" && $0.message.contains("\"sinks\"") })
    }

    @Test func wrongTypeIsReportedWithItsPointer() {
        let found = problems(
            editing { object in
                var sinks = object["sinks"] as! [[String: Any]]
                sinks[1]["batchSize"] = "five"
                object["sinks"] = sinks
            }
        )
        #expect(found.count == 1)
        #expect(found[0].pointer.description == "/sinks/1/batchSize")
        #expect(found[0].message.contains("expected integer"))
    }

    @Test func fractionalNumberIsNotAnInteger() {
        let found = problems(editing { $0["run"] = ["concurrency": 2.5] })
        #expect(found.map(\.pointer.description) == ["/run/concurrency"])
    }

    @Test func valueBelowMinimumAndNotAllowedAreReported() {
        let found = problems(
            editing { object in
                object["run"] = ["concurrency": 0]
                object["summarizer"] = ["type": "llm", "apiKey": "k", "mode": "urlcontex"]
            }
        )
        #expect(found.map(\.pointer.description) == ["/run/concurrency", "/summarizer/mode"])
        #expect(found[0].message.contains("at least 1"))
        #expect(found[1].message.contains("did you mean \"urlContext\""))
    }

    @Test func missingRequiredKeyAndSectionAreReported() {
        let found = problems(
            editing { object in
                object["source"] = ["type": "list"]
                object.removeValue(forKey: "extractor")
            }
        )
        #expect(found.map(\.pointer.description) == ["/extractor", "/source/path"])
        #expect(found[1].message.contains("missing required key \"path\""))
    }

    @Test func unknownPluginTypeSuggestsAndListsKnownTypes() {
        let found = problems(editing { $0["fetcher"] = ["type": "pgae"] })
        #expect(found.map(\.pointer.description) == ["/fetcher/type"])
        #expect(found[0].message.contains("did you mean \"page\""))
        #expect(found[0].message.contains("Known fetcher types: page"))
    }

    @Test func danglingMiddlewareNameIsReported() {
        let found = problems(editing { $0["fetcher"] = ["type": "page", "middleware": ["outer", "inne"]] })
        #expect(found.map(\.pointer.description) == ["/fetcher/middleware/1"])
        #expect(found[0].message.contains("did you mean \"inner\""))
    }

    @Test func everyProblemIsReportedAtOnce() {
        let found = problems(
            editing { object in
                object["run"] = ["concurency": 4, "batchSize": "x"]
                object["fetcher"] = ["type": "nope"]
                object["summarizer"] = ["type": "llm", "apiKey": "${MISSING_KEY}", "temprature": 1]
                object["sinks"] = []
            },
            environment: [:]
        )
        let pointers = Set(found.map(\.pointer.description))
        #expect(
            pointers == [
                "/run/concurency", "/run/batchSize", "/fetcher/type", "/summarizer/apiKey", "/summarizer/temprature", "/sinks",
            ]
        )
    }

    @Test func missingEnvironmentVariableIsNamed() {
        let found = problems(TestRegistry.validConfig, environment: [:])
        #expect(found.map(\.pointer.description) == ["/summarizer/apiKey"])
        #expect(found[0].message == "environment variable TEST_API_KEY is not set")
    }

    @Test func substitutionWorksInsideStringsAndForNumbers() throws {
        let json = editing { object in
            object["summarizer"] = ["type": "llm", "apiKey": "k", "baseURL": "https://${HOST}/v1", "temperature": "${TEMP}"]
        }
        let config = try load(json, environment: ["HOST": "llm.internal", "TEMP": "0.7"])
        #expect(config.summarizer.config.string("baseURL") == "https://llm.internal/v1")
        #expect(config.summarizer.config.double("temperature") == 0.7)
    }

    @Test func environmentOverridesTheFileAndIsRecorded() throws {
        let config = try load(
            TestRegistry.validConfig,
            environment: ["TEST_API_KEY": "k", "BATCH_SIZE": "7", "TEST_MODEL": "m2", "LOG_LEVEL": "DEBUG"]
        )
        #expect(config.run.batchSize == 7)
        #expect(config.runConfig.origins["batchSize"] == .environment)
        #expect(config.sinks.map { $0.config.int("batchSize") } == [7, 7])
        #expect(config.summarizer.config.string("model") == "m2")
        #expect(config.run.logLevel == .debug)
    }

    @Test func invalidEnvironmentOverrideIsAProblem() {
        let found = problems(TestRegistry.validConfig, environment: ["TEST_API_KEY": "k", "BATCH_SIZE": "lots"])
        #expect(found.contains { $0.pointer.description == "/run/batchSize" && $0.message.contains("BATCH_SIZE") })
    }

    @Test func secretsAreNeverEchoedInProblems() throws {
        let json = editing { $0["summarizer"] = ["type": "llm", "apiKey": 12_345_678] }
        let found = problems(json, environment: [:])
        try #require(found.count == 1)
        #expect(found[0].pointer.description == "/summarizer/apiKey")
        #expect(!found[0].message.contains("12345678"))
        // The environment overrides the file, so a set variable replaces the bad literal.
        #expect(problems(json, environment: ["TEST_API_KEY": "k"]).isEmpty)
    }

    @Test func displayValueRedactsSecrets() throws {
        let config = try load(TestRegistry.validConfig)
        #expect(config.summarizer.config.displayValue("apiKey") == "<redacted>")
        #expect(config.summarizer.config.displayValue("model") == "\"m1\"")
    }

    @Test func malformedJSONIsOneProblemAtTheRootWithItsPosition() {
        let found = problems("{\n  \"source\": {\"type\": \"list\"},\n  \"run\": [1 2]\n}")
        #expect(found.count == 1)
        #expect(found[0].pointer == .root)
        #expect(found[0].message.hasPrefix("not valid JSON"))
        #expect(found[0].message.contains("line 3"), "\(found[0].message)")
    }

    @Test func rootMustBeAnObject() {
        #expect(problems("[1, 2]").map(\.message) == ["the config must be a JSON object, not an array"])
    }

    @Test func deadLetterDefaultsToJSONLines() throws {
        let config = try load(editing { $0.removeValue(forKey: "deadLetter") })
        #expect(config.deadLetter.type == "jsonl")
        #expect(config.deadLetter.config.string("path") == "/srv/project/out/failed.jsonl")
    }

    @Test func sourceTakesNoMiddleware() {
        let found = problems(editing { $0["source"] = ["type": "list", "path": "u", "middleware": ["outer"]] })
        #expect(found.map(\.pointer.description) == ["/source/middleware"])
    }

    @Test func missingFileIsAClearProblem() {
        #expect(throws: ConfigError.self) {
            try ConfigLoader(registry: TestRegistry.make(), environment: [:]).load(path: "/nonexistent/config.json")
        }
        do {
            _ = try ConfigLoader(registry: TestRegistry.make(), environment: [:]).load(path: "/nonexistent/config.json")
        } catch {
            #expect(error.description.contains("/nonexistent/config.json"))
            #expect(error.description.contains("no such file"))
        }
    }

    @Test func pointerEscapesSlashAndTilde() {
        #expect(JSONPointer(["a/b", "c~d"]).description == "/a~1b/c~0d")
    }
}
