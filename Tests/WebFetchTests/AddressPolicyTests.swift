import Foundation
import SummarizerCore
import Testing

@testable import WebFetch

@Suite("Address policy")
struct AddressPolicyTests {
    let policy = AddressPolicy()

    @Test func refusesEveryInternalRange() {
        for address in [
            "127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "100.64.0.1", "169.254.169.254", "0.0.0.0",
            "224.0.0.1", "255.255.255.255", "::1", "::", "fc00::1", "fd12:3456::1", "fe80::1", "ff02::1", "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            #expect(policy.refusal(for: IPAddress(address)!) != nil, "\(address)")
        }
    }

    @Test func letsPublicAddressesThrough() {
        for address in ["93.184.216.34", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "::ffff:8.8.8.8"] {
            #expect(policy.refusal(for: IPAddress(address)!) == nil, "\(address)")
        }
    }

    @Test func theAllowListWins() {
        let allowing = AddressPolicy(allowed: [CIDR("127.0.0.1/32")!, CIDR("10.0.0.0/8")!])
        #expect(allowing.refusal(for: IPAddress("127.0.0.1")!) == nil)
        #expect(allowing.refusal(for: IPAddress("10.200.0.1")!) == nil)
        #expect(allowing.refusal(for: IPAddress("127.0.0.2")!) != nil)
        #expect(CIDR("not-an-address") == nil)
        #expect(CIDR("10.0.0.0/33") == nil)
    }

    @Test func namesAreResolvedAndEveryAddressChecked() async {
        let rebinding = AddressPolicy { host in
            #expect(host == "innocent.example")
            return [IPAddress("93.184.216.34")!, IPAddress("10.0.0.5")!]
        }
        await #expect(throws: PipelineError.self) { _ = try await rebinding.check(URL(string: "https://innocent.example/a")!) }
        // localhost resolves (from /etc/hosts) to loopback: refused without touching the network.
        do {
            _ = try await policy.check(URL(string: "http://localhost:8080/")!)
            Issue.record("localhost was allowed")
        } catch let error as PipelineError {
            #expect(error.kind == .blocked)
            #expect(error.message.contains("loopback"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func onlyHTTPAndHTTPSAreFetched() async {
        for url in ["ftp://example.com/a", "file:///etc/passwd", "gopher://example.com"] {
            do {
                _ = try await policy.check(URL(string: url)!)
                Issue.record("\(url) was allowed")
            } catch let error as PipelineError {
                #expect(error.kind == .blocked)
                #expect(error.reason == "address-policy")
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
    }

    @Test func plainHTTPIsPinnedToTheCheckedAddress() {
        let url = URL(string: "http://news.example:8080/a?b=1")!
        #expect(HTTPFetcher.pinned(url, to: [IPAddress("93.184.216.34")!]) == "http://93.184.216.34:8080/a?b=1")
        #expect(HTTPFetcher.pinned(url, to: [IPAddress("2606:4700::1111")!]) == "http://[2606:4700::1111]:8080/a?b=1")
        #expect(HTTPFetcher.hostHeader(url) == "news.example:8080")
        let secure = URL(string: "https://news.example/a")!
        #expect(HTTPFetcher.pinned(secure, to: [IPAddress("93.184.216.34")!]) == "https://news.example/a")
    }
}

@Suite("Blocked pages and robots rules")
struct BlockedPageAndRobotsTests {
    @Test func challengesAreAlwaysBlocked() {
        #expect(BlockedPageDetector.detect("<html><head><title>Just a moment...</title></head></html>") == "bot-challenge")
        #expect(
            BlockedPageDetector.detect("<div class=\"g-recaptcha\" data-sitekey=\"x\"></div>" + String(repeating: "word ", count: 500))
                == "bot-challenge"
        )
    }

    @Test func wallsAreBlockedOnlyWhenTheyHideTheArticle() {
        let consentWall = "<html><body><h1>Before you continue</h1><p>We value your privacy. Accept all cookies.</p></body></html>"
        #expect(BlockedPageDetector.detect(consentWall) == "consent-wall")
        let articleWithBanner =
            "<div class=\"cookie-banner\">We value your privacy.</div><article><p>"
            + String(repeating: "The game went to overtime after a late field goal. ", count: 40) + "</p></article>"
        #expect(BlockedPageDetector.detect(articleWithBanner) == nil)
        let login = "<form><input type=\"password\" name=\"p\"><button>Sign in to continue</button></form>"
        #expect(BlockedPageDetector.detect(login) == "login-wall")
        let paywall = "<script type=\"application/ld+json\">{\"isAccessibleForFree\": false}</script><p>Subscribe to read the rest.</p>"
        #expect(BlockedPageDetector.detect(paywall) == "paywall")
    }

    @Test func visibleWordsSkipScriptsAndTags() {
        #expect(BlockedPageDetector.visibleWordCount("<p>one two</p><script>var a = 1; var b = 2;</script><STYLE>p {}</STYLE> three") == 3)
    }

    @Test func robotsRulesFollowRFC9309() {
        let text = """
            # comment
            User-agent: *
            Disallow: /private
            Allow: /private/open

            User-agent: otherbot
            Disallow: /
            """
        let rules = RobotsRules(parsing: text, userAgent: "summarize/0.1")
        #expect(!rules.allows("/private/x"))
        #expect(rules.allows("/private/open/x"))
        #expect(rules.allows("/public"))
        let wildcard = RobotsRules(parsing: "User-agent: *\nDisallow: /*.pdf$\nDisallow: /search?", userAgent: "summarize")
        #expect(!wildcard.allows("/files/a.pdf"))
        #expect(wildcard.allows("/files/a.pdf.html"))
        #expect(!wildcard.allows("/search?q=1"))
        #expect(RobotsRules(parsing: "User-agent: *\nDisallow:", userAgent: "summarize").allows("/anything"))
    }
}
