import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPCompression
import Resilience
import SummarizerCore
import Synchronization

/// robots.txt (RFC 9309), when `respectRobotsTxt` is on.
extension HTTPFetcher {
    /// Fails the fetch of `url` when the origin's robots.txt disallows it for us (read once per
    /// origin and kept for `robotsCacheDuration`).
    func checkRobots(_ url: URL, item: String?, deadline: NIODeadline, context: StageContext) async throws {
        guard let scheme = url.scheme, let host = url.host else { return }
        let origin = "\(scheme)://\(host)\(url.port.map { ":\($0)" } ?? "")"
        let now = ContinuousClock.now
        let cached = robots.withLock { entries -> Result<RobotsRules, PipelineError>? in
            guard let entry = entries[origin], entry.expires > now else { return nil }
            if case .failure = entry.answer, entry.item == item { return nil }
            return entry.answer
        }
        let answer: Result<RobotsRules, PipelineError>
        if let cached {
            answer = cached
        } else {
            answer = await fetchRobots(origin: origin, deadline: deadline, context: context)
            let kept: Duration
            switch answer {
            case .success: kept = configuration.robotsCacheDuration
            case .failure: kept = min(configuration.robotsErrorCacheDuration, .seconds(60))
            }
            robots.withLock { $0[origin] = RobotsEntry(answer: answer, expires: .now + kept, item: item) }
        }
        let rules = try answer.get()
        var path = url.path.isEmpty ? "/" : url.path
        if let query = url.query { path += "?" + query }
        guard rules.allows(path) else {
            throw PipelineError(.blocked, "robots.txt of \(origin) disallows \(path)", reason: "robots")
        }
    }

    /// The rules for us in the origin's robots.txt (RFC 9309): a 4xx, or more than five
    /// redirects, means there are none; a 5xx or a network failure means it could not be read,
    /// a `transient` failure retried like any fetch, never a refusal.
    func fetchRobots(origin: String, deadline: NIODeadline, context: StageContext) async -> Result<RobotsRules, PipelineError> {
        guard var url = URL(string: origin + "/robots.txt") else { return .success(.allowAll) }
        func unreachable(_ why: String) -> Result<RobotsRules, PipelineError> {
            context.logger.warning("robots.txt unreachable; the page is not fetched this time", metadata: ["origin": "\(origin)", "error": "\(why)"])
            return .failure(
                PipelineError(
                    .transient,
                    "robots.txt of \(origin) was unreachable (\(why)), so the page was not fetched; it is tried again",
                    reason: "robots-unreachable"
                )
            )
        }
        for _ in 0..<5 {
            do {
                let addresses = try await policy.check(url)
                var request = Self.request(url, checkedAddresses: addresses)
                request.headers.add(name: "User-Agent", value: configuration.userAgent)
                let response = try await client.execute(request, deadline: deadline, logger: context.logger)
                let status = Int(response.status.code)
                if (300...399).contains(status), let location = response.headers.first(name: "location"),
                    let next = URL(string: location, relativeTo: url)?.absoluteURL
                {
                    _ = try? await response.body.collect(upTo: 64 * 1024)
                    url = next
                    continue
                }
                let body = try await response.body.collect(upTo: 512 * 1024)
                switch status {
                case 200...299: return .success(RobotsRules(parsing: String(buffer: body), userAgent: configuration.userAgent))
                case 400...499: return .success(.allowAll)
                default: return unreachable("HTTP \(status)")
                }
            } catch let error as PipelineError where error.reason == "address-policy" {
                return .failure(error)
            } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
                return unreachable("no answer in time")
            } catch {
                return unreachable("\(error)")
            }
        }
        return .success(.allowAll)
    }
}
