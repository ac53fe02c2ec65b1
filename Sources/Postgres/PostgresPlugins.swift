import SummarizerCore

/// The PostgreSQL plugins of this module: the `postgres` source and sink, and the database scope of `rateLimit`.
public enum PostgresPlugins {
    /// Every plugin of this module.
    public static let all: [Plugin] = [PostgresSource.plugin, PostgresSink.plugin]

    /// `rateLimit`'s `"scope": "database"`: a bucket shared by every process through PostgreSQL.
    public static let rateLimitScopes: [RateLimitScope] = [PostgresRateLimitStore.scope]
}
