import Foundation
import SummarizerCore

/// Keeps the page fetcher away from addresses a web page must never make us reach (SSRF guard).
///
/// Refused by default: loopback, private (RFC 1918), carrier-grade NAT, link-local (cloud
/// metadata at 169.254.169.254 included), unique-local and link-local IPv6, unspecified,
/// multicast and reserved addresses, and any scheme but http and https. Names are resolved
/// and every address they resolve to is checked, so a public name pointing at a private
/// address is refused too. `allowAddresses` lets chosen ranges through deliberately.
public struct AddressPolicy: Sendable {
    /// Ranges a page may never make us reach.
    public static let refusedRanges: [(CIDR, String)] = [
        ("0.0.0.0/8", "unspecified"), ("10.0.0.0/8", "private"), ("100.64.0.0/10", "carrier-grade NAT"),
        ("127.0.0.0/8", "loopback"), ("169.254.0.0/16", "link-local"), ("172.16.0.0/12", "private"),
        ("192.0.0.0/24", "reserved"), ("192.168.0.0/16", "private"), ("198.18.0.0/15", "reserved"),
        ("224.0.0.0/4", "multicast"), ("240.0.0.0/4", "reserved"),
        ("::/128", "unspecified"), ("::1/128", "loopback"), ("fc00::/7", "unique-local"), ("fe80::/10", "link-local"),
        ("ff00::/8", "multicast"), ("64:ff9b::/96", "NAT64"), ("2002::/16", "6to4"),
    ].map { (CIDR($0.0)!, $0.1) }

    /// Ranges let through even when refused above.
    public var allowed: [CIDR]
    /// Resolves names to addresses; injectable for tests.
    public var resolve: @Sendable (String) async throws -> [IPAddress]

    /// A policy letting `allowed` through, resolving names with `resolve`.
    public init(allowed: [CIDR] = [], resolve: @escaping @Sendable (String) async throws -> [IPAddress] = SystemResolver.resolve) {
        self.allowed = allowed
        self.resolve = resolve
    }

    /// Why `address` is refused, or `nil` if it may be reached.
    public func refusal(for address: IPAddress) -> String? {
        if allowed.contains(where: { $0.contains(address) }) { return nil }
        if let mapped = address.embeddedIPv4 { return refusal(for: mapped) }
        return Self.refusedRanges.first { $0.0.contains(address) }.map { "\($0.1) address \(address)" }
    }

    /// Checks `url` before a request: its scheme, and every address its host resolves to.
    ///
    /// - Returns: the addresses checked, so the caller can connect to one of them.
    /// - Throws: ``PipelineError`` `blocked` with reason `address-policy` naming what was refused.
    public func check(_ url: URL) async throws -> [IPAddress] {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw PipelineError(
                .blocked,
                "refused \(url.absoluteString): only http and https URLs are fetched",
                reason: "address-policy"
            )
        }
        guard let host = url.host, !host.isEmpty else {
            throw PipelineError(.blocked, "refused \(url.absoluteString): no host", reason: "address-policy")
        }
        let addresses: [IPAddress]
        if let literal = IPAddress(host) {
            addresses = [literal]
        } else {
            do {
                addresses = try await resolve(host)
            } catch let error as PipelineError {
                throw error
            } catch {
                throw PipelineError(.transient, "cannot resolve \(host): \(error)", reason: "dns")
            }
        }
        guard !addresses.isEmpty else {
            throw PipelineError(.notFound, "\(host) does not resolve to any address", reason: "dns")
        }
        for address in addresses {
            if let reason = refusal(for: address) {
                throw PipelineError(
                    .blocked,
                    "refused \(url.absoluteString): \(host) is a \(reason); add it to the fetcher's allowAddresses to allow it",
                    reason: "address-policy"
                )
            }
        }
        return addresses
    }
}

/// `getaddrinfo`, off the cooperative thread pool (it blocks).
public enum SystemResolver {
    /// The addresses `host` resolves to, by the system's resolver.
    @Sendable public static func resolve(_ host: String) async throws -> [IPAddress] {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                var hints = addrinfo()
                hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
                var result: UnsafeMutablePointer<addrinfo>?
                let status = getaddrinfo(host, nil, &hints, &result)
                guard status == 0 else {
                    let message = String(cString: gai_strerror(status))
                    let kind: PipelineError.Kind = status == EAI_NONAME ? .notFound : .transient
                    continuation.resume(throwing: PipelineError(kind, "cannot resolve \(host): \(message)", reason: "dns"))
                    return
                }
                defer { freeaddrinfo(result) }
                var addresses: [IPAddress] = []
                var cursor = result
                while let info = cursor {
                    if let sockaddr = info.pointee.ai_addr {
                        switch Int32(sockaddr.pointee.sa_family) {
                        case AF_INET:
                            sockaddr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { v4 in
                                addresses.append(IPAddress(bytes: withUnsafeBytes(of: v4.pointee.sin_addr) { Array($0) }))
                            }
                        case AF_INET6:
                            sockaddr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 in
                                addresses.append(IPAddress(bytes: withUnsafeBytes(of: v6.pointee.sin6_addr) { Array($0) }))
                            }
                        default:
                            break
                        }
                    }
                    cursor = info.pointee.ai_next
                }
                var seen = Set<IPAddress>()
                continuation.resume(returning: addresses.filter { seen.insert($0).inserted })
            }
        }
    }
}
