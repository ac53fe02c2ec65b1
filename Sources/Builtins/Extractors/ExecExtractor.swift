import Foundation
import Logging
import SummarizerCore
import Synchronization

/// An extractor that delegates to an external program (`exec`), so extractors can be written in
/// any language: each of `workers` long-lived processes reads one JSON request per line on its
/// standard input and answers one JSON line on its standard output.
///
/// Request: `{"id": "...", "url": "...", "html": "..."}`.
/// Answer: `{"id": "...", "title": "...", "text": "...", "metadata": {...}}`, or
/// `{"id": "...", "error": {"kind": "invalidContent", "message": "..."}}`.
///
/// A request that gets no answer within the timeout fails as `transient` (reason `timeout`) and
/// its worker is killed; a worker that exits fails its request as `transient` (reason
/// `worker-exited`); either way a fresh worker is started for the next request. What a worker
/// writes on standard error goes to the log. The workers are stopped with the run.
public final class ExecExtractor: ContentExtractor, PipelineService {
    let configuration: Configuration
    let logger: Logger
    private let pool: ExecWorkerPool

    /// An extractor whose workers start on the first request.
    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.pool = ExecWorkerPool(configuration: configuration, logger: logger)
    }

    /// Keeps the workers for the length of the run and stops them at its end.
    public func run() async {
        await waitUntilCancelled()
        await pool.shutdown()
    }

    deinit {
        // Outside a run (a test, a library user) nobody cancels `run()`: no process outlives us.
        pool.terminateAll()
    }

    struct Request: Encodable {
        var id: String
        var url: String
        var html: String
    }

    struct Answer: Decodable {
        struct Failure: Decodable {
            var kind: String?
            var message: String?
        }

        var id: String?
        var title: String?
        var text: String?
        var metadata: [String: JSONValue]?
        var error: Failure?
    }

    /// The answer in `reply`, which must be the protocol's JSON for `item`'s request.
    func decode(_ reply: Data, for item: WorkItem) throws -> Answer {
        guard let answer = try? JSONDecoder().decode(Answer.self, from: reply) else {
            throw PipelineError(
                .transient,
                "the exec worker \(configuration.command) answered with something that is not the protocol's JSON: "
                    + String(decoding: reply.prefix(200), as: UTF8.self),
                reason: "worker-protocol"
            )
        }
        guard answer.id == item.id else {
            throw PipelineError(
                .transient,
                "the exec worker \(configuration.command) answered request \(answer.id ?? "?") while \(item.id) was asked",
                reason: "worker-protocol"
            )
        }
        return answer
    }

    public func extract(_ page: FetchedPage, item: WorkItem, context: StageContext) async throws -> Article {
        var line = try JSONEncoder().encode(Request(id: item.id, url: page.finalURL, html: page.text))
        line.append(UInt8(ascii: "\n"))
        let worker = try await pool.acquire()
        let answer: Answer
        do {
            let reply = try await worker.send(line, timeout: configuration.timeout)
            answer = try decode(reply, for: item)
            await pool.release(worker)
        } catch {
            // A worker that failed, or broke the protocol, is out of step: it is replaced before
            // it goes back to the pool, so no other request meets it.
            worker.terminate()
            await pool.release(worker)
            throw error
        }
        if let failure = answer.error {
            let kind = failure.kind.flatMap(PipelineError.Kind.init(name:)) ?? .invalidContent
            throw PipelineError(kind, "the exec worker \(configuration.command) failed: \(failure.message ?? "no message")", reason: "worker-error")
        }
        guard let text = answer.text, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw PipelineError(.invalidContent, "the exec worker \(configuration.command) found no article text", reason: "no-article")
        }
        let metadata = answer.metadata ?? [:]
        return Article(
            title: answer.title ?? item.title,
            byline: metadata["byline"]?.stringValue ?? metadata["author"]?.stringValue,
            publishedTime: metadata["date"]?.stringValue ?? metadata["publishedTime"]?.stringValue,
            siteName: metadata["sitename"]?.stringValue ?? metadata["siteName"]?.stringValue,
            language: metadata["language"]?.stringValue,
            excerpt: metadata["description"]?.stringValue,
            text: text,
            extractor: configuration.name,
            extractorVersion: metadata["version"]?.stringValue ?? "exec"
        )
    }
}
