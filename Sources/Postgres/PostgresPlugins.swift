import SummarizerCore

/// The PostgreSQL plugins of this module: the `postgres` source and sink, and the database scopes of
/// `rateLimit` and `costBudget`.
public enum PostgresPlugins {
    /// Every plugin of this module.
    public static let all: [Plugin] = [PostgresSource.plugin, PostgresSink.plugin]

    /// `rateLimit`'s `"scope": "database"`: a bucket shared by every process through PostgreSQL.
    public static let rateLimitScopes: [RateLimitScope] = [PostgresRateLimitStore.scope]

    /// `costBudget`'s `"scope": "database"`: a spending limit shared by every process through PostgreSQL.
    public static let costLedgerScopes: [CostLedgerScope] = [PostgresCostLedger.scope]
}
