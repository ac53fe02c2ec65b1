import Foundation
import PostgresNIO
import SummarizerCore

/// A PostgreSQL connection URL: `postgres://user:password@host:port/database?sslmode=...`.
///
/// Its ``description`` never shows the password, so it is safe to log and to put into errors.
public struct DatabaseURL: Sendable, CustomStringConvertible {
    public enum TLSMode: String, Sendable {
        /// `sslmode=disable`: plain TCP.
        case disable
        /// `sslmode=prefer` (the default, as libpq's): TLS when the server offers it.
        case prefer
        /// `sslmode=require`, `verify-ca`, `verify-full`: TLS with certificate verification.
        case require
    }

    public var host: String
    public var port: Int
    public var username: String
    var password: String?
    public var database: String?
    public var tls: TLSMode

    /// Parses `text`; the error names what is wrong without repeating the URL (it may hold a password).
    public init(_ text: String) throws(PipelineError) {
        guard let components = URLComponents(string: text), let scheme = components.scheme,
            scheme == "postgres" || scheme == "postgresql"
        else {
            throw PipelineError(.misconfigured, "the database URL must look like postgres://user:password@host:5432/database", reason: "bad-database-url")
        }
        guard let host = components.host, !host.isEmpty else {
            throw PipelineError(.misconfigured, "the database URL has no host", reason: "bad-database-url")
        }
        guard let user = components.user, !user.isEmpty else {
            throw PipelineError(.misconfigured, "the database URL has no user name", reason: "bad-database-url")
        }
        self.host = host
        self.port = components.port ?? 5432
        self.username = user.removingPercentEncoding ?? user
        self.password = components.password.map { $0.removingPercentEncoding ?? $0 }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        self.database = path.isEmpty ? nil : path
        switch components.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "prefer" {
        case "disable": tls = .disable
        case "allow", "prefer": tls = .prefer
        case "require", "verify-ca", "verify-full": tls = .require
        case let other:
            throw PipelineError(.misconfigured, "sslmode \"\(other)\" is not one of disable, prefer, require, verify-ca, verify-full", reason: "bad-database-url")
        }
    }

    public var description: String {
        "postgres://\(username)\(password == nil ? "" : ":<redacted>")@\(host):\(port)/\(database ?? "")"
    }

    /// The client configuration for this URL.
    var clientConfiguration: PostgresClient.Configuration {
        let tlsSetting: PostgresClient.Configuration.TLS =
            switch tls {
            case .disable: .disable
            case .prefer: .prefer(.makeClientConfiguration())
            case .require: .require(.makeClientConfiguration())
            }
        return PostgresClient.Configuration(host: host, port: port, username: username, password: password, database: database, tls: tlsSetting)
    }
}

extension DatabaseURL {
    /// The `databaseURL` key the postgres source and sink share.
    static let configKey = ConfigKey(
        "databaseURL", .string, required: true, secret: true, environment: ["DATABASE_URL"],
        doc: "postgres://user:password@host:5432/database?sslmode=...; DATABASE_URL when not given. Never printed unredacted.")

    /// The URL in a plugin's `databaseURL` key; a problem there points at the key, never repeats the value.
    init(config: PluginConfig) throws(ConfigError) {
        do {
            try self.init(config.string("databaseURL") ?? "")
        } catch {
            throw config.problem("databaseURL", error.message)
        }
    }
}
