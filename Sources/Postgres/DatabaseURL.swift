import Foundation
import NIOSSL
import PostgresNIO
import SummarizerCore

/// A PostgreSQL connection URL:
/// `postgres://user:password@host:port/database?sslmode=verify-full&sslrootcert=/path/ca.crt`.
///
/// The TLS parameters follow libpq's: `sslmode` (`disable`, `allow`/`prefer`, `require`,
/// `verify-ca`, `verify-full`), `sslrootcert` (a PEM file of trusted roots, or `system`),
/// `sslcert` and `sslkey` (a client certificate and its key, both PEM). Any other parameter is
/// refused rather than silently ignored. Certificate files are read when the URL is parsed, so
/// a wrong path is a configuration error before the run starts.
///
/// Its ``description`` never shows the password, so it is safe to log and to put into errors.
public struct DatabaseURL: Sendable, CustomStringConvertible {
    /// How the connection uses TLS, as libpq's `sslmode` says.
    public enum TLSMode: String, Sendable {
        /// `sslmode=disable`: plain TCP.
        case disable
        /// `sslmode=prefer` (the default, as libpq's) or `allow`: TLS when the server offers it,
        /// without verifying its certificate (as libpq does).
        case prefer
        /// `sslmode=require`: TLS or nothing; the certificate is verified only when
        /// `sslrootcert` is given (then as `verify-ca`), as libpq does.
        case require
        /// `sslmode=verify-ca`: TLS with a certificate signed by a trusted root.
        case verifyCA = "verify-ca"
        /// `sslmode=verify-full`: as `verify-ca`, and the certificate must name the host.
        case verifyFull = "verify-full"
    }

    /// The server's host name or address.
    public var host: String
    /// The server's port (5432 unless given).
    public var port: Int
    /// The role to connect as.
    public var username: String
    var password: String?
    /// The database; the role's name when not given.
    public var database: String?
    /// How TLS is used.
    public var tls: TLSMode
    /// Trusted roots (`sslrootcert`); `nil` means the system's.
    private(set) var rootCertificates: [NIOSSLCertificate]?
    /// Whether `sslrootcert` was given (a file or `system`): `require` then verifies the chain.
    private var rootCertificateGiven = false
    /// The client certificate chain and key (`sslcert`, `sslkey`).
    private var clientCertificate: (chain: [NIOSSLCertificate], key: NIOSSLPrivateKey)?

    static let parameters: Set = ["sslmode", "sslrootcert", "sslcert", "sslkey"]

    /// Parses `text`; the error names what is wrong without repeating the URL (it may hold a password).
    public init(_ text: String) throws(PipelineError) {
        guard let components = URLComponents(string: text), let scheme = components.scheme,
            scheme == "postgres" || scheme == "postgresql"
        else {
            throw PipelineError(
                .misconfigured,
                "the database URL must look like postgres://user:password@host:5432/database",
                reason: "bad-database-url"
            )
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

        var query: [String: String] = [:]
        for item in components.queryItems ?? [] {
            guard Self.parameters.contains(item.name) else {
                throw PipelineError(
                    .misconfigured,
                    "the database URL parameter \"\(item.name)\" is not supported (supported: \(Self.parameters.sorted().joined(separator: ", ")))",
                    reason: "bad-database-url"
                )
            }
            query[item.name] = item.value ?? ""
        }
        switch query["sslmode"] ?? "prefer" {
        case "disable": tls = .disable
        case "allow", "prefer": tls = .prefer
        case "require": tls = .require
        case "verify-ca": tls = .verifyCA
        case "verify-full": tls = .verifyFull
        case let other:
            throw PipelineError(
                .misconfigured,
                "sslmode \"\(other)\" is not one of disable, prefer, require, verify-ca, verify-full",
                reason: "bad-database-url"
            )
        }
        rootCertificateGiven = query["sslrootcert"] != nil
        if let root = query["sslrootcert"], root != "system" {
            rootCertificates = try Self.load("sslrootcert", root) { try NIOSSLCertificate.fromPEMFile($0) }
        }
        switch (query["sslcert"], query["sslkey"]) {
        case (nil, nil):
            break
        case (let certificate?, let key?):
            clientCertificate = (
                try Self.load("sslcert", certificate) { try NIOSSLCertificate.fromPEMFile($0) },
                try Self.load("sslkey", key) { try NIOSSLPrivateKey(file: $0, format: .pem) }
            )
        default:
            throw PipelineError(.misconfigured, "sslcert and sslkey go together: give both or neither", reason: "bad-database-url")
        }
        if tls == .disable, query["sslrootcert"] != nil || clientCertificate != nil {
            throw PipelineError(.misconfigured, "sslmode=disable cannot use sslrootcert, sslcert or sslkey", reason: "bad-database-url")
        }
    }

    /// Reads a PEM file named by a URL parameter; a failure names the parameter and the path.
    private static func load<T>(_ parameter: String, _ path: String, _ read: (String) throws -> T) throws(PipelineError) -> T {
        do {
            return try read(path)
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "is not a PEM file NIOSSL can read (\(error))" : "does not exist"
            throw PipelineError(.misconfigured, "the database URL's \(parameter) \(path) \(reason)", reason: "bad-database-url")
        }
    }

    public var description: String {
        "postgres://\(username)\(password == nil ? "" : ":<redacted>")@\(host):\(port)/\(database ?? "")"
    }

    /// The TLS settings `sslmode` and the certificate parameters call for.
    var tlsConfiguration: TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch tls {
        case .disable, .prefer:
            configuration.certificateVerification = .none
        case .require:
            configuration.certificateVerification = rootCertificateGiven ? .noHostnameVerification : .none
        case .verifyCA:
            configuration.certificateVerification = .noHostnameVerification
        case .verifyFull:
            configuration.certificateVerification = .fullVerification
        }
        if let rootCertificates { configuration.trustRoots = .certificates(rootCertificates) }
        if let clientCertificate {
            configuration.certificateChain = clientCertificate.chain.map { .certificate($0) }
            configuration.privateKey = .privateKey(clientCertificate.key)
        }
        return configuration
    }

    /// The client configuration for this URL.
    var clientConfiguration: PostgresClient.Configuration {
        let tlsSetting: PostgresClient.Configuration.TLS =
            switch tls {
            case .disable: .disable
            case .prefer: .prefer(tlsConfiguration)
            case .require, .verifyCA, .verifyFull: .require(tlsConfiguration)
            }
        return PostgresClient.Configuration(host: host, port: port, username: username, password: password, database: database, tls: tlsSetting)
    }
}

extension DatabaseURL {
    /// The `databaseURL` key the postgres source and sink share.
    static let configKey = ConfigKey(
        "databaseURL",
        .string,
        required: true,
        secret: true,
        environment: ["DATABASE_URL"],
        doc:
            "postgres://user:password@host:5432/database?sslmode=verify-full&sslrootcert=ca.pem (also sslcert, sslkey); DATABASE_URL when not given. Never printed unredacted."
    )

    /// The URL in a plugin's `databaseURL` key; a problem there points at the key, never repeats the value.
    init(config: PluginConfig) throws(ConfigError) {
        do {
            try self.init(config.string("databaseURL") ?? "")
        } catch {
            throw config.problem("databaseURL", error.message)
        }
    }
}
