import NIOCore
import NIOPosix
import Synchronization

/// A TCP proxy on 127.0.0.1 in front of a real server (e.g. the test PostgreSQL), which a test
/// can cut at any moment to make the server "go away" mid-run.
///
/// After ``sever()`` every open connection is closed and new ones are accepted and closed at
/// once, as a crashed or unreachable server looks to a client; ``restore()`` lets them through again.
public final class TCPProxy: Sendable {
    private let serverChannel: any Channel
    private let state: Mutex<(severed: Bool, open: [any Channel])>
    private let dropped = Mutex(0)
    /// The port the proxy listens on.
    public let port: Int

    /// PostgreSQL notifications the proxy swallowed (with `dropPostgresNotifications`).
    public var droppedNotifications: Int { dropped.withLock { $0 } }

    private init(serverChannel: any Channel) {
        self.serverChannel = serverChannel
        self.port = serverChannel.localAddress?.port ?? 0
        self.state = Mutex((false, []))
    }

    private final class Box: Sendable {
        let proxy = Mutex<TCPProxy?>(nil)
    }

    /// Starts a proxy to `host`:`port`.
    ///
    /// With `dropPostgresNotifications` it reads the server's side as PostgreSQL's wire protocol
    /// (unencrypted: `sslmode=disable`) and drops every NotificationResponse, as a connection
    /// pooler in transaction mode or a lossy network path loses `NOTIFY`s.
    public static func start(to host: String, port targetPort: Int, dropPostgresNotifications: Bool = false) async throws -> TCPProxy {
        let box = Box()
        let group = MultiThreadedEventLoopGroup.singleton
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { inbound in
                guard let proxy = box.proxy.withLock({ $0 }), proxy.admit(inbound) else {
                    return inbound.close()
                }
                // The accepted side starts reading only once this future completes, so nothing
                // the client sends first is lost before the relay is in place.
                return ClientBootstrap(group: inbound.eventLoop)
                    .connect(host: host, port: targetPort)
                    .flatMap { outbound in
                        proxy.track(outbound)
                        if dropPostgresNotifications {
                            // The connection's own event loop runs this callback (the bootstrap uses the accepted side's).
                            do {
                                try outbound.pipeline.syncOperations.addHandler(NotificationFilter { proxy.dropped.withLock { $0 += 1 } })
                            } catch {
                                return outbound.eventLoop.makeFailedFuture(error)
                            }
                        }
                        return outbound.pipeline.addHandler(Relay(peer: inbound)).flatMap {
                            inbound.pipeline.addHandler(Relay(peer: outbound))
                        }
                    }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        let proxy = TCPProxy(serverChannel: channel)
        box.proxy.withLock { $0 = proxy }
        return proxy
    }

    private func admit(_ channel: any Channel) -> Bool {
        state.withLock { state in
            if state.severed { return false }
            state.open.append(channel)
            return true
        }
    }

    private func track(_ channel: any Channel) {
        let severed = state.withLock { state in
            state.open.append(channel)
            return state.severed
        }
        if severed { channel.close(promise: nil) }
    }

    /// Closes every connection and refuses new ones until ``restore()``.
    public func sever() {
        let open = state.withLock { state in
            state.severed = true
            defer { state.open = [] }
            return state.open
        }
        for channel in open { channel.close(promise: nil) }
    }

    /// Lets connections through again.
    public func restore() {
        state.withLock { $0.severed = false }
    }

    /// Stops the proxy and its connections.
    public func shutdown() async throws {
        sever()
        try await serverChannel.close()
    }
}

/// Writes what one side reads to the other and closes the pair together.
private final class Relay: ChannelDuplexHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let peer: any Channel

    init(peer: any Channel) {
        self.peer = peer
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let channel = context.channel
        peer.writeAndFlush(unwrapInboundIn(data)).whenFailure { _ in channel.close(promise: nil) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        peer.close(promise: nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// Passes a PostgreSQL server's messages on whole, except NotificationResponse ('A').
private final class NotificationFilter: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private var pending = ByteBuffer()
    private let onDrop: @Sendable () -> Void

    init(onDrop: @escaping @Sendable () -> Void) {
        self.onDrop = onDrop
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        pending.writeBuffer(&incoming)
        var passed = context.channel.allocator.buffer(capacity: pending.readableBytes)
        // Each message: a type byte, then a length that counts itself but not the type.
        while pending.readableBytes >= 5,
            let type = pending.getInteger(at: pending.readerIndex, as: UInt8.self),
            let length = pending.getInteger(at: pending.readerIndex + 1, as: Int32.self),
            pending.readableBytes >= 1 + Int(length),
            var message = pending.readSlice(length: 1 + Int(length))
        {
            if type == UInt8(ascii: "A") {
                onDrop()
            } else {
                passed.writeBuffer(&message)
            }
        }
        pending.discardReadBytes()
        if passed.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(passed)) }
    }
}
