import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A real HTTP/1.1 server on 127.0.0.1 with scripted behaviours, for testing fetchers.
///
/// ```swift
/// let server = try await LocalPageServer.start(routes: [
///     "/ok": .page(body: "<html>...</html>"),
///     "/flaky": .sequence([.status(503), .status(503), .page(body: "<html>...</html>")]),
/// ])
/// defer { Task { try await server.shutdown() } }
/// let url = server.url("/ok")
/// ```
public final class LocalPageServer: Sendable {
    /// What the server does for a request.
    public indirect enum Behaviour: Sendable {
        /// Answers with a status, headers and a body (Content-Length set).
        case page(status: Int = 200, headers: [(String, String)] = [("Content-Type", "text/html; charset=utf-8")], body: [UInt8])
        /// Redirects to `location` (absolute, or relative to this server).
        case redirect(to: String, status: Int = 302)
        /// Sends the head and `partial` bytes of a longer body, then goes silent.
        case stall(headers: [(String, String)] = [("Content-Type", "text/html")], partial: [UInt8] = Array("<html><body>".utf8))
        /// Closes the connection without answering (the client sees a reset).
        case reset
        /// One behaviour per request in order; the last repeats.
        case sequence([Behaviour])

        /// A page with a text body.
        public static func page(status: Int = 200, contentType: String = "text/html; charset=utf-8", _ body: String) -> Behaviour {
            .page(status: status, headers: [("Content-Type", contentType)], body: Array(body.utf8))
        }

        /// A bare status with a short body.
        public static func status(_ code: Int, headers: [(String, String)] = []) -> Behaviour {
            .page(status: code, headers: [("Content-Type", "text/plain")] + headers, body: Array("status \(code)".utf8))
        }
    }

    struct State {
        var routes: [String: Behaviour]
        var hits: [String: Int] = [:]
        var lastHeaders: [String: [(String, String)]] = [:]
        var connections = 0
        var requests = 0
    }

    let state: Mutex<State>
    private let serverChannel: any Channel
    /// The port the server listens on.
    public let port: Int

    private init(state: State, channel: any Channel) {
        self.state = Mutex(state)
        self.serverChannel = channel
        self.port = channel.localAddress?.port ?? 0
    }

    /// Starts a server on 127.0.0.1 and an ephemeral port; unknown paths answer 404.
    public static func start(routes: [String: Behaviour] = [:]) async throws -> LocalPageServer {
        let box = ServerBox()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 512)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(PageHandler(box: box))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        let server = LocalPageServer(state: State(routes: routes), channel: channel)
        box.server.withLock { $0 = server }
        return server
    }

    /// The URL of `path` on this server.
    public func url(_ path: String) -> String {
        "http://127.0.0.1:\(port)\(path)"
    }

    /// Sets or replaces the behaviour of `path`.
    public func route(_ path: String, _ behaviour: Behaviour) {
        state.withLock { $0.routes[path] = behaviour }
    }

    /// Requests served for `path` so far.
    public func hits(_ path: String) -> Int { state.withLock { $0.hits[path] ?? 0 } }

    /// The headers of the last request for `path`, names lowercased.
    public func lastHeaders(_ path: String) -> [String: String] {
        state.withLock { state in
            Dictionary((state.lastHeaders[path] ?? []).map { ($0.0.lowercased(), $0.1) }, uniquingKeysWith: { $1 })
        }
    }

    /// Connections accepted so far.
    public var connectionsOpened: Int { state.withLock { $0.connections } }

    /// Requests answered so far.
    public var requestCount: Int { state.withLock { $0.requests } }

    /// Stops the server.
    public func shutdown() async throws {
        try await serverChannel.close()
    }

    func behaviour(for path: String, headers: [(String, String)]) -> Behaviour {
        state.withLock { state in
            state.requests += 1
            let hit = state.hits[path, default: 0]
            state.hits[path] = hit + 1
            state.lastHeaders[path] = headers
            guard let behaviour = state.routes[path] else {
                return .page(status: 404, headers: [("Content-Type", "text/html")], body: Array("<html><body>Not found</body></html>".utf8))
            }
            if case .sequence(let steps) = behaviour, !steps.isEmpty {
                return steps[min(hit, steps.count - 1)]
            }
            return behaviour
        }
    }

    func connectionOpened() {
        state.withLock { $0.connections += 1 }
    }
}

/// Lets handlers reach the server that is made after the bootstrap binds.
final class ServerBox: Sendable {
    let server = Mutex<LocalPageServer?>(nil)
}

final class PageHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let box: ServerBox
    private var head: HTTPRequestHead?

    init(box: ServerBox) {
        self.box = box
    }

    func channelActive(context: ChannelHandlerContext) {
        box.server.withLock { $0 }?.connectionOpened()
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body:
            break
        case .end:
            guard let head, let server = box.server.withLock({ $0 }) else { return }
            let path = String(head.uri.split(separator: "?", maxSplits: 1).first ?? "/")
            let behaviour = server.behaviour(for: path, headers: head.headers.map { ($0.name, $0.value) })
            respond(behaviour, to: head, server: server, context: context)
        }
    }

    private func respond(_ behaviour: LocalPageServer.Behaviour, to request: HTTPRequestHead, server: LocalPageServer, context: ChannelHandlerContext)
    {
        switch behaviour {
        case .page(let status, let headers, let body):
            var responseHeaders = HTTPHeaders(headers)
            responseHeaders.replaceOrAdd(name: "Content-Length", value: String(body.count))
            if !request.isKeepAlive { responseHeaders.replaceOrAdd(name: "Connection", value: "close") }
            let head = HTTPResponseHead(version: request.version, status: .init(statusCode: status), headers: responseHeaders)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
            let channel = context.channel
            let keepAlive = request.isKeepAlive
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
                if !keepAlive { channel.close(promise: nil) }
            }
        case .redirect(let location, let status):
            let target = location.hasPrefix("/") ? server.url(location) : location
            respond(.page(status: status, headers: [("Location", target)], body: []), to: request, server: server, context: context)
        case .stall(let headers, let partial):
            var responseHeaders = HTTPHeaders(headers)
            responseHeaders.replaceOrAdd(name: "Content-Length", value: String(partial.count + 1_000_000))
            let head = HTTPResponseHead(version: request.version, status: .ok, headers: responseHeaders)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: partial)))), promise: nil)
        case .reset:
            // SO_LINGER 0 makes the close a TCP reset rather than an orderly shutdown.
            let channel = context.channel
            guard let provider = channel as? any SocketOptionProvider else {
                channel.close(promise: nil)
                return
            }
            provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in
                channel.close(promise: nil)
            }
        case .sequence(let steps):
            respond(steps.first ?? .reset, to: request, server: server, context: context)
        }
    }
}
