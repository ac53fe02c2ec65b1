import Foundation
import Logging
import SummarizerCore
import SummarizerTesting
import Testing

@testable import WebFetch

/// An article long enough not to look like a wall.
let articleHTML = """
    <html><head><meta charset="utf-8"><title>Local article</title></head><body><article>
    <h1>Local article</h1>
    <p>\(String(repeating: "The quarterback threw for three touchdowns on Sunday. ", count: 40))</p>
    </article></body></html>
    """

func fixture(_ name: String) throws -> [UInt8] {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
    return Array(try Data(contentsOf: url))
}

/// Starts a server, runs `body` with a fetcher allowed to reach it, and shuts both down.
func withServer(
    _ routes: [String: LocalPageServer.Behaviour],
    configure: (inout HTTPFetcher.Configuration) -> Void = { _ in },
    _ body: (LocalPageServer, HTTPFetcher) async throws -> Void
) async throws {
    let server = try await LocalPageServer.start(routes: routes)
    var configuration = HTTPFetcher.Configuration()
    // Generous: the suite runs many tests at once on two cores; timeout tests set their own.
    configuration.timeout = .seconds(30)
    configure(&configuration)
    let fetcher = HTTPFetcher(configuration: configuration, policy: AddressPolicy(allowed: [CIDR("127.0.0.1/32")!]))
    do {
        try await body(server, fetcher)
    } catch {
        await fetcher.shutdown()
        try await server.shutdown()
        throw error
    }
    await fetcher.shutdown()
    try await server.shutdown()
}

let testContext = StageContext(logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })

func fetchError(_ fetcher: HTTPFetcher, _ url: String) async -> PipelineError? {
    do {
        _ = try await fetcher.fetch(WorkItem(url: url), context: testContext)
        return nil
    } catch {
        return PipelineError.from(error)
    }
}

@Suite("HTTP fetcher against a local server")
struct HTTPFetcherTests {
    @Test func fetchesAPageAndReusesConnections() async throws {
        try await withServer(["/a": .page(articleHTML)]) { server, fetcher in
            for _ in 0..<5 {
                let page = try await fetcher.fetch(WorkItem(url: server.url("/a")), context: testContext)
                #expect(page.status == 200)
                #expect(page.text.contains("three touchdowns"))
                #expect(page.method == .direct)
                #expect(page.charset == "utf-8")
                #expect(page.contentType == "text/html")
            }
            #expect(server.connectionsOpened == 1)
            let headers = server.lastHeaders("/a")
            #expect(headers["user-agent"] == HTTPFetcher.defaultUserAgent)
            #expect(headers["host"] == "127.0.0.1:\(server.port)")
        }
    }

    @Test func followsRedirectsAndRefusesLoopsAndPrivateTargets() async throws {
        try await withServer([
            "/start": .redirect(to: "/middle"), "/middle": .redirect(to: "/a", status: 301), "/a": .page(articleHTML),
            "/loop1": .redirect(to: "/loop2"), "/loop2": .redirect(to: "/loop1"),
            "/private": .redirect(to: "http://10.0.0.1/admin"), "/metadata": .redirect(to: "http://169.254.169.254/latest/meta-data/"),
            "/far": .redirect(to: "/far"),
        ]) { server, fetcher in
            let page = try await fetcher.fetch(WorkItem(url: server.url("/start")), context: testContext)
            #expect(page.finalURL == server.url("/a"))
            let loop = await fetchError(fetcher, server.url("/loop1"))
            #expect(loop?.kind == .invalidContent)
            #expect(loop?.reason == "redirect-loop")
            let privateHop = await fetchError(fetcher, server.url("/private"))
            #expect(privateHop?.kind == .blocked)
            #expect(privateHop?.reason == "address-policy")
            #expect(privateHop?.message.contains("private address 10.0.0.1") == true)
            let metadata = await fetchError(fetcher, server.url("/metadata"))
            #expect(metadata?.message.contains("link-local address 169.254.169.254") == true)
        }
    }

    @Test func statusesMapIntoTheTaxonomy() async throws {
        try await withServer([
            "/404": .status(404), "/410": .status(410), "/403": .status(403), "/401": .status(401), "/500": .status(500),
            "/429": .status(429, headers: [("Retry-After", "7")]), "/400": .status(400),
        ]) { server, fetcher in
            let expectations: [(String, PipelineError.Kind)] = [
                ("/404", .notFound), ("/410", .notFound), ("/403", .blocked), ("/401", .blocked), ("/500", .transient),
                ("/429", .rateLimited), ("/400", .invalidContent),
            ]
            for (path, kind) in expectations {
                let error = await fetchError(fetcher, server.url(path))
                #expect(error?.kind == kind, "\(path)")
                #expect(error?.code == String(path.dropFirst()), "\(path)")
            }
            #expect(await fetchError(fetcher, server.url("/429"))?.retryAfter == .seconds(7))
        }
    }

    @Test func failuresThenSuccessIsTransientEachTime() async throws {
        try await withServer(["/flaky": .sequence([.status(503), .status(500), .page(articleHTML)])]) { server, fetcher in
            #expect(await fetchError(fetcher, server.url("/flaky"))?.kind == .transient)
            #expect(await fetchError(fetcher, server.url("/flaky"))?.kind == .transient)
            #expect(await fetchError(fetcher, server.url("/flaky")) == nil)
        }
    }

    @Test func aSlowBodyTimesOutAndAResetIsTransient() async throws {
        try await withServer(["/slow": .stall(), "/reset": .reset]) { configuration in
            configuration.timeout = .milliseconds(300)
        } _: { server, fetcher in
            let slow = await fetchError(fetcher, server.url("/slow"))
            #expect(slow?.kind == .transient)
            #expect(slow?.reason == "timeout")
            let reset = await fetchError(fetcher, server.url("/reset"))
            #expect(reset?.kind == .transient)
        }
    }

    @Test func oversizeBodiesAndGzipBombsAreRefused() async throws {
        let big = Array(repeating: UInt8(ascii: "a"), count: 200_000)
        try await withServer([
            "/big": .page(headers: [("Content-Type", "text/html")], body: big),
            "/bomb": .page(headers: [("Content-Type", "text/html"), ("Content-Encoding", "gzip")], body: try fixture("bomb.html.gz")),
            "/gzip": .page(headers: [("Content-Type", "text/html"), ("Content-Encoding", "gzip")], body: try fixture("page.html.gz")),
        ]) { configuration in
            configuration.maxBodyBytes = 100_000
        } _: { server, fetcher in
            let big = await fetchError(fetcher, server.url("/big"))
            #expect(big?.kind == .invalidContent)
            #expect(big?.reason == "too-large")
            let bomb = await fetchError(fetcher, server.url("/bomb"))
            #expect(bomb?.kind == .invalidContent)
            let page = try await fetcher.fetch(WorkItem(url: server.url("/gzip")), context: testContext)
            #expect(page.text.contains("compressed words here"))
            #expect(server.lastHeaders("/gzip")["accept-encoding"]?.contains("gzip") == true)
        }
    }

    @Test func charsetsComeFromHeaderMetaOrDefault() async throws {
        let latin = Array("<html><body><p>Pe\u{F1}a caf\u{E9} \u{93}quoted\u{94}</p></body></html>".unicodeScalars.map { UInt8($0.value) })
        let metaOnly = Array(
            "<html><head><meta charset=\"windows-1252\"></head><body><p>Ni\u{F1}o</p></body></html>".unicodeScalars.map { UInt8($0.value) }
        )
        try await withServer([
            "/header": .page(headers: [("Content-Type", "text/html; charset=ISO-8859-1")], body: latin),
            "/meta": .page(headers: [("Content-Type", "text/html")], body: metaOnly),
            // Declared UTF-8 but sent in windows-1252: the bytes are replaced, never a crash.
            "/wrong": .page(headers: [("Content-Type", "text/html; charset=utf-8")], body: latin),
            // No declaration anywhere: UTF-8.
            "/undeclared": .page(headers: [("Content-Type", "text/html")], body: Array("<p>naïve café</p>".utf8)),
        ]) { server, fetcher in
            let header = try await fetcher.fetch(WorkItem(url: server.url("/header")), context: testContext)
            #expect(header.text.contains("Peña café “quoted”"))
            let meta = try await fetcher.fetch(WorkItem(url: server.url("/meta")), context: testContext)
            #expect(meta.text.contains("Niño"))
            #expect(meta.charset == "windows-1252")
            let wrong = try await fetcher.fetch(WorkItem(url: server.url("/wrong")), context: testContext)
            #expect(wrong.text.contains("\u{FFFD}"))
            let undeclared = try await fetcher.fetch(WorkItem(url: server.url("/undeclared")), context: testContext)
            #expect(undeclared.text.contains("naïve café"))
            #expect(undeclared.charset == "utf-8")
        }
    }

    @Test func nonHTMLIsRefusedNamingTheType() async throws {
        try await withServer([
            "/image": .page(headers: [("Content-Type", "image/png")], body: [0x89, 0x50, 0x4E, 0x47]),
            "/json": .page(contentType: "application/json", "{}"),
            "/untyped": .page(headers: [], body: [0x25, 0x50, 0x44, 0x46]),
        ]) { server, fetcher in
            let image = await fetchError(fetcher, server.url("/image"))
            #expect(image?.kind == .invalidContent)
            #expect(image?.message.contains("image/png") == true)
            #expect(await fetchError(fetcher, server.url("/json"))?.reason == "not-html")
            #expect(await fetchError(fetcher, server.url("/untyped"))?.reason == "not-html")
        }
    }

    @Test func challengePagesAreBlockedAndBrowserHeadersAreTriedWhenAllowed() async throws {
        let challenge = "<html><head><title>Just a moment...</title></head><body>Checking your browser</body></html>"
        try await withServer([
            "/challenge": .page(challenge), "/refuse-then-ok": .sequence([.status(403), .page(articleHTML)]),
        ]) { server, fetcher in
            let error = await fetchError(fetcher, server.url("/challenge"))
            #expect(error?.kind == .blocked)
            #expect(error?.reason == "bot-challenge")
            #expect(await fetchError(fetcher, server.url("/refuse-then-ok"))?.kind == .blocked)
        }
        try await withServer(["/refuse-then-ok": .sequence([.status(403), .page(articleHTML)])]) { configuration in
            configuration.browserHeadersFallback = true
        } _: { server, fetcher in
            let page = try await fetcher.fetch(WorkItem(url: server.url("/refuse-then-ok")), context: testContext)
            #expect(page.method == .browserHeaders)
            #expect(server.lastHeaders("/refuse-then-ok")["user-agent"]?.hasPrefix("Mozilla/5.0") == true)
        }
    }

    @Test func robotsTxtIsHonouredWhenAsked() async throws {
        let robots = "User-agent: *\nDisallow: /private\n\nUser-agent: summarize\nDisallow: /members\nAllow: /members/open\n"
        try await withServer([
            "/robots.txt": .page(contentType: "text/plain", robots), "/members/x": .page(articleHTML),
            "/members/open/y": .page(articleHTML), "/private/z": .page(articleHTML),
        ]) { configuration in
            configuration.respectRobotsTxt = true
        } _: { server, fetcher in
            let refused = await fetchError(fetcher, server.url("/members/x"))
            #expect(refused?.kind == .blocked)
            #expect(refused?.reason == "robots")
            #expect(await fetchError(fetcher, server.url("/members/open/y")) == nil)
            // Our group names us, so the * group's rules do not apply.
            #expect(await fetchError(fetcher, server.url("/private/z")) == nil)
            #expect(server.hits("/robots.txt") == 1)
            #expect(server.hits("/members/x") == 0)
        }
    }

    @Test func anUnreachableRobotsTxtIsATransientFailureThatTheItemsRetryAsksAgain() async throws {
        try await withServer([
            "/robots.txt": .sequence([.stall(), .page(contentType: "text/plain", "User-agent: *\nAllow: /\n")]),
            "/a": .page(articleHTML), "/b": .page(articleHTML),
        ]) { configuration in
            configuration.respectRobotsTxt = true
            // Room for each fetch: on a loaded machine (the full suite on two cores) the retry once
            // took more than the one second this test used to allow.
            configuration.timeout = .seconds(10)
        } _: { server, fetcher in
            let item = WorkItem(url: server.url("/a"))
            var first: PipelineError?
            do { _ = try await fetcher.fetch(item, context: testContext) } catch { first = PipelineError.from(error) }
            #expect(first?.kind == .transient)
            #expect(first?.reason == "robots-unreachable")
            #expect(first?.message.contains("robots.txt") == true && first?.message.contains("unreachable") == true)
            #expect(first?.message.contains("disallow") == false)
            // Another item of the host meanwhile gets the cached failure without asking again.
            #expect(await fetchError(fetcher, server.url("/b"))?.reason == "robots-unreachable")
            #expect(server.hits("/robots.txt") == 1)
            // The failing item's retry asks again, and now succeeds.
            _ = try await fetcher.fetch(item, context: testContext)
            #expect(server.hits("/robots.txt") == 2)
            #expect(server.hits("/a") == 1)
        }
    }

    @Test func perHostConcurrencyIsBounded() async throws {
        try await withServer(["/a": .page(articleHTML)]) { configuration in
            configuration.maxConcurrentPerHost = 2
            // Twenty fetches queue behind two slots: on a loaded machine the last waits a while,
            // and this test is about the bound, not about time.
            configuration.timeout = .seconds(60)
        } _: { server, fetcher in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<20 {
                    group.addTask { _ = try await fetcher.fetch(WorkItem(url: server.url("/a")), context: testContext) }
                }
                try await group.waitForAll()
            }
            #expect(server.connectionsOpened <= 2)
            #expect(server.hits("/a") == 20)
        }
    }
}
