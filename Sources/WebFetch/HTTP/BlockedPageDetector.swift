import Foundation
import SummarizerCore

/// Recognizes pages that stand between us and the article: bot challenges, consent or cookie
/// walls, login walls and paywalls.
///
/// A challenge is recognized whatever its length; the walls only when the page has little
/// visible text, because many real articles carry a cookie banner, a login link or a paywall
/// script and still show the whole article.
public enum BlockedPageDetector {
    /// Visible words below which a page with wall markers is taken for the wall itself.
    public static let wallWordLimit = 150

    static let challengeMarkers = [
        "<title>just a moment...</title>", "<title>attention required! | cloudflare</title>", "cf-browser-verification",
        "cf_chl_opt", "challenge-platform", "g-recaptcha", "h-captcha", "px-captcha", "verify you are a human",
        "are you a robot", "checking your browser before accessing", "<title>access denied</title>", "ddos-guard",
        "_incapsula_resource", "perimeterx",
    ]

    static let consentMarkers = [
        "cookie consent", "consent-wall", "cookiewall", "cookie-wall", "we value your privacy", "accept all cookies",
        "manage consent", "consent.google", "consent.yahoo", "before you continue", "cmpwrapper",
    ]

    static let loginMarkers = [
        "type=\"password\"", "type='password'", "sign in to continue", "log in to continue", "please log in",
        "login to read", "sign in to read",
    ]

    static let paywallMarkers = [
        "\"isaccessibleforfree\": false", "\"isaccessibleforfree\":false", "\"isaccessibleforfree\": \"false\"",
        "\"isaccessibleforfree\":\"false\"", "subscribe to continue", "subscribe to read", "paywall",
        "this content is for subscribers", "already a subscriber",
    ]

    /// The reason `html` is a blocking page (`bot-challenge`, `consent-wall`, `login-wall`,
    /// `paywall`), or `nil` for a page to read.
    public static func detect(_ html: String) -> String? {
        // Markers are ASCII: search the lowercased bytes of the first part of the page, which
        // is many times faster than searching a String character by character.
        var head = Array(html.utf8.prefix(200_000))
        for index in head.indices where head[index] >= 65 && head[index] <= 90 { head[index] += 32 }
        func contains(_ marker: String) -> Bool { ByteSearch.contains(head, Array(marker.utf8)) }
        if challengeMarkers.contains(where: contains) { return "bot-challenge" }
        let candidates: [(String, [String])] = [
            ("consent-wall", consentMarkers), ("login-wall", loginMarkers), ("paywall", paywallMarkers),
        ]
        guard let (reason, _) = candidates.first(where: { $0.1.contains(where: contains) }) else { return nil }
        return visibleWordCount(html) < wallWordLimit ? reason : nil
    }

    /// A cheap count of the words a browser would show: tags, scripts and styles skipped.
    static func visibleWordCount(_ html: String) -> Int {
        var count = 0
        var inWord = false
        var inTag = false
        var skipping: [UInt8]?
        let bytes = Array(html.utf8)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if let closing = skipping {
                if byte == UInt8(ascii: "<"), bytes[index...].starts(with: closing) || lowercasedStarts(bytes, index, closing) {
                    skipping = nil
                } else {
                    index += 1
                    continue
                }
            }
            if byte == UInt8(ascii: "<") {
                inTag = true
                inWord = false
                if lowercasedStarts(bytes, index, Array("<script".utf8)) { skipping = Array("</script".utf8) }
                if lowercasedStarts(bytes, index, Array("<style".utf8)) { skipping = Array("</style".utf8) }
            } else if byte == UInt8(ascii: ">") {
                inTag = false
            } else if !inTag {
                let isSpace = byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
                if isSpace {
                    inWord = false
                } else if !inWord {
                    inWord = true
                    count += 1
                }
            }
            index += 1
        }
        return count
    }

    private static func lowercasedStarts(_ bytes: [UInt8], _ index: Int, _ prefix: [UInt8]) -> Bool {
        guard index + prefix.count <= bytes.count else { return false }
        for (offset, expected) in prefix.enumerated() {
            var byte = bytes[index + offset]
            if byte >= 65, byte <= 90 { byte += 32 }
            if byte != expected { return false }
        }
        return true
    }
}
