import SummarizerCore

/// The PostgreSQL plugins of this module: the `postgres` source and sink.
public enum PostgresPlugins {
    /// Every plugin of this module.
    public static let all: [Plugin] = [PostgresSource.plugin, PostgresSink.plugin]
}
