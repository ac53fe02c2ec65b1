import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A real HTTP/1.1 server on 127.0.0.1 whose answers come from an async handler: the base of
/// the fake services (Gemini, OpenAI-compatible, PostgREST).
///
/// ```swift
/// let server = try await LocalHTTPServer.start { request in
///     .json(200, #"{"ok": true}"#)
/// }
/// ```
public final class LocalHTTPServer: Sendable {
    /// A request as the handler sees it.
    public struct Request: Sendable {
        /// The request's method, e.g. `GET`.
        public var method: String
        /// The path and query, as sent.
        public var uri: String
        /// Header names lowercased.
        public var headers: [String: String]
        /// The request's body.
        public var body: Data

        /// The path without the query.
        public var path: String { String(uri.split(separator: "?", maxSplits: 1).first ?? "") }

        /// The query string, if any.
        public var query: String? {
            let parts = uri.split(separator: "?", maxSplits: 1)
            return parts.count == 2 ? String(parts[1]) : nil
        }
    }

    /// An answer.
    public struct Response: Sendable {
        /// The status code.
        public var status: Int
        /// The headers, in order.
        public var headers: [(String, String)]
        /// The body.
        public var body: Data

        /// A response; `Content-Length` is added when sent.
        public init(status: Int, headers: [(String, String)] = [], body: Data = Data()) {
            self.status = status
            self.headers = headers
            self.body = body
        }

        /// A JSON answer.
        public static func json(_ status: Int, _ text: String, headers: [(String, String)] = []) -> Response {
            Response(status: status, headers: [("Content-Type", "application/json; charset=utf-8")] + headers, body: Data(text.utf8))
        }
    }

    /// Answers one request.
    public typealias Handler = @Sendable (Request) async -> Response

    private let serverChannel: any Channel
    /// The port the server listens on.
    public let port: Int

    private init(channel: any Channel) {
        self.serverChannel = channel
        self.port = channel.localAddress?.port ?? 0
    }

    /// Starts a server on 127.0.0.1 and an ephemeral port.
    public static func start(_ handler: @escaping Handler) async throws -> LocalHTTPServer {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(HandlerAdapter(handler: handler))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return LocalHTTPServer(channel: channel)
    }

    /// The server's base URL, e.g. `http://127.0.0.1:54321`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Stops the server.
    public func shutdown() async throws {
        try await serverChannel.close()
    }
}

/// Collects a request, runs the async handler, and writes its answer on the channel's loop.
final class HandlerAdapter: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let handler: LocalHTTPServer.Handler
    private var head: HTTPRequestHead?
    private var body = Data()

    init(handler: @escaping LocalHTTPServer.Handler) {
        self.handler = handler
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = Data()
        case .body(let buffer):
            body.append(contentsOf: buffer.readableBytesView)
        case .end:
            guard let head else { return }
            let request = LocalHTTPServer.Request(
                method: head.method.rawValue,
                uri: head.uri,
                headers: Dictionary(head.headers.map { ($0.name.lowercased(), $0.value) }, uniquingKeysWith: { $1 }),
                body: body
            )
            let keepAlive = head.isKeepAlive
            let version = head.version
            let handler = handler
            let loop = context.eventLoop
            let bound = NIOLoopBound((self, context), eventLoop: loop)
            Task {
                let response = await handler(request)
                loop.execute {
                    let (adapter, context) = bound.value
                    adapter.write(response, version: version, keepAlive: keepAlive, context: context)
                }
            }
        }
    }

    private func write(_ response: LocalHTTPServer.Response, version: HTTPVersion, keepAlive: Bool, context: ChannelHandlerContext) {
        var headers = HTTPHeaders(response.headers)
        headers.replaceOrAdd(name: "Content-Length", value: String(response.body.count))
        if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: version, status: .init(statusCode: response.status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: response.body)))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            if !keepAlive { channel.close(promise: nil) }
        }
    }
}
