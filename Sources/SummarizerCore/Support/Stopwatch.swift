/// Measures elapsed time on an injected clock, whatever its instant type.
public struct Stopwatch: Sendable {
    private let read: @Sendable () -> Duration

    /// Starts measuring now on `clock`.
    public init(_ clock: any Clock<Duration>) {
        read = Self.start(clock)
    }

    private static func start<C: Clock<Duration>>(_ clock: C) -> @Sendable () -> Duration {
        let start = clock.now
        return { start.duration(to: clock.now) }
    }

    /// Time since the stopwatch started.
    public var elapsed: Duration { read() }

    /// Time since the stopwatch started, in seconds.
    public var elapsedSeconds: Double { elapsed.seconds }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    public var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
