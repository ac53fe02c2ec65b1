import Logging

/// What every stage call receives besides its input: the logger, the clock and the run's metrics.
///
/// Plugins log through ``logger`` (it already carries the item's id and URL as metadata) and
/// never build a logger of their own.
public struct StageContext: Sendable {
    /// The logger, with item metadata attached.
    public var logger: Logger
    /// The clock to measure and wait with; tests inject a manual one.
    public var clock: any Clock<Duration>
    /// The run's metrics.
    public var metrics: RunMetrics
    /// Where retry middleware records failed attempts of this call.
    public var attempts: AttemptLog

    /// A context; each stage call gets a fresh attempt log.
    public init(
        logger: Logger,
        clock: any Clock<Duration> = ContinuousClock(),
        metrics: RunMetrics = RunMetrics(),
        attempts: AttemptLog = AttemptLog()
    ) {
        self.logger = logger
        self.clock = clock
        self.metrics = metrics
        self.attempts = attempts
    }
}
