import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Resilience
import SummarizerCore
import Synchronization
import Telemetry

/// The HTTP API of `summarize serve`: its routes, their validation and answers. Documented by
/// ``OpenAPIDocument``, which `docs/openapi.json` is a copy of.
struct ServeAPI: Sendable {
    let config: PipelineConfig
    let registry: PluginRegistry
    let settings: ServeSettings
    let runs: RunManager
    let single: SingleItemService
    let exporter: PrometheusExporter
    let auth: BearerAuth
    let logger: Logger
    let configPath: String

    /// The router with every route and the auth and error middleware.
    func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.middlewares.add(ErrorMiddleware(logger: logger))
        router.middlewares.add(AuthMiddleware(auth: auth, open: Set(settings.openEndpoints)))
        router.get("/healthz") { _, _ in Self.json(200, ["status": "ok"]) }
        router.get("/readyz") { _, _ in await self.readiness() }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: PrometheusExporter.contentType],
                body: .init(byteBuffer: ByteBuffer(string: self.exporter.exposition()))
            )
        }
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.text)))
        }
        router.post("/v1/runs") { request, _ in try await self.startRun(request) }
        router.get("/v1/runs") { _, _ in
            Self.json(200, JSONValue.object(["runs": .array(self.runs.entries.map(\.json))]))
        }
        router.get("/v1/runs/:id") { _, context in
            try Self.json(200, self.run(context).json)
        }
        router.delete("/v1/runs/:id") { _, context in
            let entry = try self.run(context)
            if entry.state == .running { self.runs.stop(entry) }
            return Self.json(202, entry.json)
        }
        router.post("/v1/summarize") { request, _ in try await self.summarize(request) }
        return router
    }

    // MARK: - Runs

    func run(_ context: BasicRequestContext) throws(APIError) -> RunManager.Entry {
        let id = context.parameters.get("id") ?? ""
        guard let entry = runs.entry(id) else {
            throw APIError(404, "no run \(id) (runs are kept while the service lives, the last serve.historySize finished ones)")
        }
        return entry
    }

    func startRun(_ request: Request) async throws -> Response {
        var fields = try RequestFields(
            try await body(request),
            allowed: ["limit", "urlIds", "publisher", "dryRun", "model", "resummarize"]
        )
        let options = RunOptions(
            limit: fields.integer("limit", minimum: 1),
            dryRun: fields.bool("dryRun") ?? false,
            publisher: fields.string("publisher"),
            urlIDs: fields.strings("urlIds"),
            model: fields.string("model"),
            resummarize: fields.bool("resummarize") ?? false
        )
        try fields.check()
        for option in options.requested {
            let stage = option.role == .source ? config.source : config.summarizer
            guard stage.plugin.spec.runOptions.contains(option) else {
                throw APIError(
                    422,
                    "the \"\(stage.type)\" \(stage.role) of this service's config cannot honour \(Self.field(option))",
                    pointer: "/" + Self.field(option)
                )
            }
        }
        let entry = try await single.withSinksReleased { () throws(APIError) in
            try runs.start { id throws(APIError) in try self.makeRun(id: id, options: options) }
        }
        return Self.json(202, entry.json, headers: [(.location, "/v1/runs/\(entry.id)")])
    }

    /// The request field of a run option.
    static func field(_ option: RunOption) -> String {
        switch option {
        case .publisher: "publisher"
        case .urlIDs: "urlIds"
        case .model: "model"
        case .resummarize: "resummarize"
        case .enableGrounding: "enableGrounding"
        }
    }

    func makeRun(id: String, options: RunOptions) throws(APIError) -> RunManager.Entry {
        var runLogger = logger
        runLogger[metadataKey: "run"] = "\(id)"
        let metrics = RunMetrics(factory: exporter.factory)
        let control = RunControl()
        let environment = runEnvironment(config, logger: runLogger, options: options, metrics: metrics, control: control)
        let pipeline: Pipeline
        do {
            pipeline = try PipelineBuilder(registry: registry).build(config, environment: environment)
        } catch {
            throw APIError(500, "the service's config could not be built: \(error.description)")
        }
        let orchestrator = Orchestrator(pipeline: pipeline, settings: config.run, options: options, logger: runLogger, metrics: metrics)
        let identity = RunIdentity(
            version: Summarize.version,
            promptVersion: pipeline.summarizer.component.promptVersion,
            pipeline: ExplainCommand.render(config: config, pipeline: pipeline, path: configPath),
            hashed: ExplainCommand.render(config: config, pipeline: pipeline, path: "")
        )
        metrics.recordRunInfo(version: identity.version, configHash: identity.configHash, promptVersion: identity.promptVersion)
        return RunManager.Entry(id: id, options: options, metrics: metrics, control: control, identity: identity, orchestrator: orchestrator)
    }

    // MARK: - One item

    func summarize(_ request: Request) async throws -> Response {
        var fields = try RequestFields(try await body(request), allowed: ["url", "html", "write"])
        let url = fields.string("url")
        let html = fields.string("html", nonEmpty: false)
        let write = fields.bool("write") ?? false
        if url == nil, !fields.problems.contains(where: { $0.pointer == "/url" }) {
            throw APIError(400, "missing required field url", pointer: "/url")
        }
        try fields.check()
        // Only web URLs: a service must not read the files of the host it runs on, whatever
        // fetcher its config has.
        guard let url, let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            ["http", "https"].contains(scheme), let host = components.host, !host.isEmpty
        else {
            throw APIError(400, "expected an absolute http or https URL, got \(Self.quoted(url ?? ""))", pointer: "/url")
        }
        let outcome = try await single.summarize(url: url, html: html, write: write)
        switch outcome {
        case .summarized(let record):
            return Self.json(200, try Self.encode(record))
        case .failed(let failure):
            var error = APIError(422, failure.message)
            error.body = try Self.encode(failure)
            throw error
        }
    }

    // MARK: - Readiness

    func readiness() async -> Response {
        let reasons = await single.notReadyReasons()
        let body: JSONValue = .object(["ready": .bool(reasons.isEmpty), "reasons": .array(reasons.map(JSONValue.string))])
        return Self.json(reasons.isEmpty ? 200 : 503, body)
    }

    // MARK: - Helpers

    /// The body, at most `serve.maxBodyBytes`.
    func body(_ request: Request) async throws -> Data {
        let limit = settings.maxBodyBytes
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw APIError(413, "the body has \(length) bytes; serve.maxBodyBytes allows \(limit)")
        }
        do {
            let buffer = try await request.body.collect(upTo: limit)
            return Data(buffer.readableBytesView)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError(413, "the body is larger than serve.maxBodyBytes (\(limit) bytes)")
        }
    }

    static func quoted(_ text: String) -> String {
        "\"" + (text.count > 200 ? String(text.prefix(200)) + "…" : text) + "\""
    }

    static func encode(_ value: some Encodable) throws -> JSONValue {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return try JSONValue.parse(encoder.encode(value))
    }

    static func json(_ status: Int, _ value: JSONValue, headers: [(HTTPField.Name, String)] = []) -> Response {
        var fields: HTTPFields = [.contentType: "application/json"]
        for (name, value) in headers { fields[name] = value }
        return Response(status: .init(code: status), headers: fields, body: .init(byteBuffer: ByteBuffer(string: value.description)))
    }
}

/// Turns every error into a JSON answer: ``APIError`` as it says, Hummingbird's own with their
/// status (an unknown path 404, a method a known path does not take 405 with `Allow`), anything
/// else as 500 (logged; it means a bug).
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let logger: Logger

    /// The methods a path of the API takes, or `nil` for a path it does not have; read from the
    /// OpenAPI document, which a test keeps in step with the routes.
    static func methods(of path: String) -> [String]? {
        OpenAPIDocument.methods(of: path)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            var fields: [(HTTPField.Name, String)] = []
            for (name, value) in error.headers {
                if let name = HTTPField.Name(name) { fields.append((name, value)) }
            }
            return ServeAPI.json(error.status, error.json, headers: fields)
        } catch let error as HTTPError {
            let status = Int(error.status.code)
            if status == 404, let allowed = Self.methods(of: request.uri.path) {
                return ServeAPI.json(
                    405,
                    APIError(405, "\(request.method) is not allowed on \(request.uri.path); use \(allowed.joined(separator: " or "))").json,
                    headers: [(.allow, allowed.joined(separator: ", "))]
                )
            }
            let message =
                status == 404 ? "no such endpoint: \(request.method) \(request.uri.path) (see /openapi.json)" : error.body ?? "\(error.status)"
            return ServeAPI.json(status, APIError(status, message).json)
        } catch {
            logger.error("a request failed unexpectedly", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return ServeAPI.json(500, APIError(500, "internal error").json)
        }
    }
}
