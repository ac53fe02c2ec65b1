import Foundation
import Logging
import NIOSSL
import PostgresNIO
import SummarizerCore
import SummarizerTesting
import SummarizerTestingPostgres
import Testing

@testable import Postgres

@Suite("Database URL TLS parameters")
struct DatabaseURLTLSTests {
    static func message(_ text: String) -> String? {
        do {
            _ = try DatabaseURL(text)
            return nil
        } catch {
            return error.message
        }
    }

    @Test func modesParseAndBadParametersAreRefusedWithoutEchoingTheURL() {
        #expect((try? DatabaseURL("postgres://a@h/d"))?.tls == .prefer)
        #expect((try? DatabaseURL("postgres://a@h/d?sslmode=verify-ca"))?.tls == .verifyCA)
        #expect((try? DatabaseURL("postgres://a@h/d?sslmode=verify-full"))?.tls == .verifyFull)
        #expect((try? DatabaseURL("postgres://a@h/d?sslmode=verify-full&sslrootcert=system"))?.rootCertificates == nil)
        #expect(Self.message("postgres://a:pw@h/d?application_name=x")?.contains("\"application_name\" is not supported") == true)
        #expect(Self.message("postgres://a:pw@h/d?sslrootcert=/no/such/ca.pem")?.contains("sslrootcert /no/such/ca.pem does not exist") == true)
        #expect(Self.message("postgres://a:pw@h/d?sslcert=/c.pem")?.contains("sslcert and sslkey go together") == true)
        #expect(Self.message("postgres://a:pw@h/d?sslmode=disable&sslrootcert=system")?.contains("sslmode=disable") == true)
        #expect(Self.message("postgres://a:pw@h/d?application_name=x")?.contains("pw") == false)
    }

    @Test func verificationFollowsLibpq() throws {
        func verification(_ query: String) throws -> String {
            "\(try DatabaseURL("postgres://a@h/d?\(query)").tlsConfiguration.certificateVerification)"
        }
        #expect(try verification("sslmode=prefer").hasPrefix("none"))
        #expect(try verification("sslmode=require").hasPrefix("none"))
        #expect(try verification("sslmode=require&sslrootcert=system") == "noHostnameVerification")
        #expect(try verification("sslmode=verify-ca") == "noHostnameVerification")
        #expect(try verification("sslmode=verify-full") == "fullVerification")
    }
}

/// TLS against the test cluster, which Scripts/with-postgres.sh starts with a throwaway
/// certificate (DATABASE_TLS_ROOT_CERT) when openssl is present.
@Suite(
    "TLS to a real PostgreSQL",
    .enabled(
        if: TestDatabase.available
            && (ProcessInfo.processInfo.environment["DATABASE_TLS_ROOT_CERT"] != nil || ProcessInfo.processInfo.environment["CI"] == "true")
    )
)
struct PostgresTLSTests {
    let logger = TestDatabase.logger

    /// The test cluster's URL with `parameters` in place of its own.
    static func url(_ parameters: String) throws -> DatabaseURL {
        let base = try #require(ProcessInfo.processInfo.environment["DATABASE_URL"]).split(separator: "?").first.map(String.init) ?? ""
        return try DatabaseURL(base + "?" + parameters)
    }

    /// Whether the session is encrypted, or the error connecting.
    /// `timeout` is generous for connections meant to succeed (TLS handshakes on a busy machine);
    /// the one meant to fail waits less, since the pool retries a refused handshake until then.
    func encrypted(_ url: DatabaseURL, timeout: Duration = .seconds(30)) async -> Result<Bool, PipelineError> {
        let logger = logger
        do {
            return .success(
                try await withPostgresClient(url, logger: logger) { client in
                    try await withTimeout(timeout, "connecting") {
                        for try await flag in try await client.query("select ssl from pg_stat_ssl where pid = pg_backend_pid()", logger: logger)
                            .decode(Bool.self)
                        {
                            return flag
                        }
                        return false
                    }
                }
            )
        } catch {
            return .failure(pipelineError(fromDatabase: error, doing: "connecting"))
        }
    }

    @Test func verifyFullConnectsWithTheRightRootAndRefusesWithout() async throws {
        let root = try #require(
            ProcessInfo.processInfo.environment["DATABASE_TLS_ROOT_CERT"],
            "Scripts/with-postgres.sh exports it when openssl is installed"
        )
        #expect(try await encrypted(Self.url("sslmode=verify-full&sslrootcert=\(root)")).get())
        #expect(try await encrypted(Self.url("sslmode=verify-ca&sslrootcert=\(root)")).get())
        // require with a root verifies against it (as verify-ca); without one it does not verify, as libpq's.
        #expect(try await encrypted(Self.url("sslmode=require&sslrootcert=\(root)")).get())
        #expect(try await encrypted(Self.url("sslmode=require")).get())
        #expect(try await encrypted(Self.url("sslmode=prefer")).get())
        #expect(try await !encrypted(Self.url("sslmode=disable")).get())
        // The system's roots do not include the throwaway certificate: no connection.
        guard case .failure(let error) = await encrypted(try Self.url("sslmode=verify-full"), timeout: .seconds(3)) else {
            Issue.record("verify-full trusted a self-signed certificate")
            return
        }
        #expect(error.kind == .transient)
    }
}
