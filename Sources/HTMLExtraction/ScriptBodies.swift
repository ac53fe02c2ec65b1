#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Empties the bodies of `<script>`, `<style>` and `<svg>` elements in HTML source before it
/// is parsed.
///
/// Scripts, styles and inline drawings are 45% of a typical news page's bytes; every extractor
/// here throws them away after parsing, but libxml2 spends time on each byte of them all the
/// same. This scan finds them the way libxml2's HTML parser does (a start tag outside comments
/// and other tags, whose body runs to the first `</script`, `</style` or `</svg`, any case),
/// keeps the tags, and drops what is between. A script or style never closed loses the rest of
/// the source, as the parser would read it as its body; an svg never closed is left alone.
/// JSON-LD scripts (`type` naming `ld+json`, its `+` written any way) are kept whole: the
/// metadata reads them.
enum ScriptBodies {
    /// `source` with script, style and svg bodies removed; `nil` when there is nothing to remove.
    static func stripped(_ source: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard let base = source.baseAddress else { return nil }
        let count = source.count
        var output: [UInt8] = []
        // The start of the bytes not yet copied to `output`.
        var pending = 0
        var index = 0
        while index < count {
            guard let found = memchr(base + index, Int32(UInt8(ascii: "<")), count - index) else { break }
            index = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            guard index + 1 < count else { break }
            let next = source[index + 1]
            if next == UInt8(ascii: "!") {
                // A comment or a doctype: nothing in it starts a tag. Other `<!` markup is text
                // to libxml2 2.9, and the scan goes on after the `<`.
                guard let end = endOfDeclaration(source, from: index) else { break }
                index = end
                continue
            }
            guard isLetter(next) else {
                index += 1
                continue
            }
            let nameStart = index + 1
            var nameEnd = nameStart
            while nameEnd < count, isNameByte(source[nameEnd]) { nameEnd += 1 }
            guard let tagEnd = endOfTag(source, from: nameEnd) else { break }
            index = tagEnd + 1
            // `<script/>` closes itself in libxml2: there is no body to drop.
            guard let kind = DroppedBody(source, nameStart: nameStart, nameEnd: nameEnd), source[tagEnd - 1] != UInt8(ascii: "/") else {
                continue
            }
            // A script or style the source never closes: the parser reads the rest as its body.
            // An unclosed svg is left alone: its body is markup, which the parser may close.
            let end = kind == .svg ? closingSVGTag(in: source, from: index) : closingTag(kind.name, in: source, from: index)
            guard let close = end ?? (kind == .svg ? nil : count) else { continue }
            let isJSONLD = kind == .script && namesJSONLD(source, from: nameEnd, to: tagEnd)
            if !isJSONLD, close > index {
                if output.isEmpty { output.reserveCapacity(count) }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: source[pending..<index]))
                pending = close
            }
            index = close
        }
        guard pending > 0 else { return nil }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: source[pending..<count]))
        return output
    }

    /// The elements whose bodies are dropped: scripts and styles (libxml2 2.9 reads their bodies
    /// as raw text), and inline SVG drawings (markup that no extractor shows, often the largest part of a page's tags).
    enum DroppedBody {
        case script, style, svg

        init?(_ source: UnsafeBufferPointer<UInt8>, nameStart: Int, nameEnd: Int) {
            let name = UnsafeBufferPointer(rebasing: source[nameStart..<nameEnd])
            if ScriptBodies.equalsIgnoringCase(name, Self.scriptName) {
                self = .script
            } else if ScriptBodies.equalsIgnoringCase(name, Self.styleName) {
                self = .style
            } else if ScriptBodies.equalsIgnoringCase(name, Self.svgName) {
                self = .svg
            } else {
                return nil
            }
        }

        var name: [UInt8] {
            switch self {
            case .script: Self.scriptName
            case .style: Self.styleName
            case .svg: Self.svgName
            }
        }

        static let scriptName = Array("script".utf8)
        static let styleName = Array("style".utf8)
        static let svgName = Array("svg".utf8)
    }

    static let ld = Array("ld".utf8)
    static let json = Array("json".utf8)

    /// Whether a start tag's attributes name JSON-LD: `ld` and then `json` at most 10 bytes on,
    /// so that `ld+json` counts however its `+` is written (`ld&#x2B;json`, `ld&plus;json`).
    /// A false match only keeps a script.
    static func namesJSONLD(_ source: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Bool {
        var index = start
        while index + 2 <= end {
            if equalsIgnoringCase(UnsafeBufferPointer(rebasing: source[index..<index + 2]), ld),
                contains(json, in: source, from: index + 2, to: min(end, index + 2 + 10 + json.count))
            {
                return true
            }
            index += 1
        }
        return false
    }
    static let commentEnd = Array("-->".utf8)

    /// The index after the comment (`<!--` … `-->`) or doctype (`<!DOCTYPE …>`) at `start`;
    /// `start + 1` for other markup after `<!`, which libxml2 2.9 reads as text.
    static func endOfDeclaration(_ source: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        let count = source.count
        if start + 3 < count, source[start + 2] == UInt8(ascii: "-"), source[start + 3] == UInt8(ascii: "-") {
            var index = start + 4
            while index + 2 < count {
                if source[index] == UInt8(ascii: "-"), source[index + 1] == UInt8(ascii: "-"), source[index + 2] == UInt8(ascii: ">") {
                    return index + 3
                }
                index += 1
            }
            return nil
        }
        guard start + 2 < count, source[start + 2] | 0x20 == UInt8(ascii: "d") else { return start + 1 }
        var index = start + 2
        while index < count, source[index] != UInt8(ascii: ">") { index += 1 }
        return index < count ? index + 1 : nil
    }

    /// The index of the `>` that ends a start tag whose name ends at `start`. A quote right
    /// after `=` (white space between allowed) opens a value that may hold `>`; a quote
    /// anywhere else is an ordinary character, as in libxml2.
    static func endOfTag(_ source: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        let count = source.count
        var index = start
        var afterEquals = false
        while index < count {
            let byte = source[index]
            switch byte {
            case UInt8(ascii: ">"):
                return index
            case UInt8(ascii: "="):
                afterEquals = true
            case 0x20, 0x09, 0x0A, 0x0D, 0x0C:
                break
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                if afterEquals {
                    // Values are most of a tag's bytes (class lists, addresses): memchr
                    // finds the closing quote faster than a loop.
                    index += 1
                    guard index < count, let base = source.baseAddress,
                        let found = memchr(base + index, Int32(byte), count - index)
                    else { return nil }
                    index = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                }
                afterEquals = false
            default:
                afterEquals = false
            }
            index += 1
        }
        return nil
    }

    /// The index of the first `</name` (any case) at or after `start`.
    static func closingTag(_ name: [UInt8], in source: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard let base = source.baseAddress else { return nil }
        let count = source.count
        var index = start
        while index < count {
            guard let found = memchr(base + index, Int32(UInt8(ascii: "<")), count - index) else { return nil }
            index = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            let nameStart = index + 2
            if nameStart + name.count <= count, source[index + 1] == UInt8(ascii: "/"),
                equalsIgnoringCase(UnsafeBufferPointer(rebasing: source[nameStart..<nameStart + name.count]), name)
            {
                return index
            }
            index += 1
        }
        return nil
    }

    /// The index of the `</svg` that closes an svg whose body starts at `start`: drawings nest,
    /// so every `<svg` start tag on the way (but a self-closed one) needs its own end tag first.
    static func closingSVGTag(in source: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard let base = source.baseAddress else { return nil }
        let count = source.count
        let name = DroppedBody.svgName
        var depth = 1
        var index = start
        while index < count {
            guard let found = memchr(base + index, Int32(UInt8(ascii: "<")), count - index) else { return nil }
            index = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            let isEnd = index + 1 < count && source[index + 1] == UInt8(ascii: "/")
            let nameStart = index + (isEnd ? 2 : 1)
            let nameEnd = nameStart + name.count
            guard nameEnd < count, equalsIgnoringCase(UnsafeBufferPointer(rebasing: source[nameStart..<nameEnd]), name),
                !isNameByte(source[nameEnd])
            else {
                index += 1
                continue
            }
            if isEnd {
                depth -= 1
                if depth == 0 { return index }
                index = nameEnd
            } else {
                guard let tagEnd = endOfTag(source, from: nameEnd) else { return nil }
                if source[tagEnd - 1] != UInt8(ascii: "/") { depth += 1 }
                index = tagEnd + 1
            }
        }
        return nil
    }

    /// Whether `needle` (lowercase ASCII) occurs in `source[start..<end]`, any case.
    static func contains(_ needle: [UInt8], in source: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Bool {
        guard end - start >= needle.count else { return false }
        for offset in start...(end - needle.count)
        where equalsIgnoringCase(UnsafeBufferPointer(rebasing: source[offset..<offset + needle.count]), needle) {
            return true
        }
        return false
    }

    /// Whether `bytes` spell `lowercase` (lowercase ASCII) in any case.
    @inline(__always) static func equalsIgnoringCase(_ bytes: UnsafeBufferPointer<UInt8>, _ lowercase: [UInt8]) -> Bool {
        guard bytes.count == lowercase.count else { return false }
        for offset in 0..<bytes.count where bytes[offset] | (isLetter(bytes[offset]) ? 0x20 : 0) != lowercase[offset] { return false }
        return true
    }

    @inline(__always) static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) &- 0x61 < 26 }
    /// A byte libxml2 takes as part of an element name.
    @inline(__always) static func isNameByte(_ byte: UInt8) -> Bool {
        isLetter(byte) || byte &- 0x30 < 10 || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
            || byte == UInt8(ascii: ".")
    }
}
