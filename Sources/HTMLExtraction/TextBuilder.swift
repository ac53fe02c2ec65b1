import SummarizerCore

/// Collects text from a tree walk: collapses white space inside blocks, separates blocks.
///
/// Inline elements never glue the words of neighbouring blocks, because every block
/// boundary inserts a break, and white space runs collapse to one space as a browser shows them.
struct TextBuilder {
    private(set) var blocks: [String] = []
    /// The current block's UTF-8 bytes: working on bytes avoids a per-character append.
    private var current: [UInt8] = []
    private var pendingSpace = false
    /// A `<br>` waiting for the next word to tell whether it wraps a sentence or ends a line.
    private var pendingWrap = false
    /// Spaces in the current line: a line of a few words (an address, a link) is never wrapped text.
    private var spacesInLine = 0

    /// Appends text as a browser renders it: runs of white space (and no-break spaces)
    /// become one space.
    mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { append(utf8: $0) }
    }

    /// ``append(_:)`` of UTF-8 bytes, such as a text node's, without making a string of them.
    mutating func append(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            if byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D || byte == 0x0C {
                pendingSpace = !current.isEmpty
                index += 1
            } else if byte == 0xC2, index + 1 < count, bytes[index + 1] == 0xA0 {
                pendingSpace = !current.isEmpty
                index += 2
            } else {
                if pendingWrap {
                    // A line that stops mid-sentence and goes on in lowercase is text wrapped
                    // by hand (`features,<br>catering to`): one sentence, so one line.
                    // (A line of several words is never empty, so `current.last` is its last byte.)
                    let midSentence = spacesInLine >= 3 && byte >= 0x61 && byte <= 0x7A && !Self.lineEnds.contains(current.last ?? 0)
                    current.append(midSentence ? 0x20 : 0x0A)
                    spacesInLine = midSentence ? spacesInLine + 1 : 0
                    pendingWrap = false
                    pendingSpace = false
                } else if pendingSpace {
                    current.append(0x20)
                    spacesInLine += 1
                    pendingSpace = false
                }
                // The run up to the next space, copied at once rather than byte by byte.
                let start = index
                index += 1
                while index < count {
                    let next = bytes[index]
                    if next == 0x20 || next == 0x0A || next == 0x09 || next == 0x0D || next == 0x0C || next == 0xC2 { break }
                    index += 1
                }
                current.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
            }
        }
    }

    /// Appends text verbatim (inside `<pre>`), keeping line breaks.
    mutating func appendPreformatted(_ text: String) {
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.offset > 0 { lineBreak() }
            append(String(line.element))
        }
    }

    /// Ends the current line inside a block (a table row, a line of `<pre>`).
    mutating func lineBreak() {
        if !current.isEmpty {
            current.append(0x0A)
        }
        pendingSpace = false
        pendingWrap = false
        spacesInLine = 0
    }

    /// A `<br>`: ends the line, unless the text goes on mid-sentence in lowercase after a line of
    /// several words, the way text wrapped by hand at a fixed width does; then the two lines are
    /// one. Two in a row always end the line.
    mutating func wrap() {
        if pendingWrap {
            lineBreak()
        } else if !current.isEmpty {
            pendingWrap = true
            pendingSpace = false
        }
    }

    /// Bytes that end a line on purpose: a sentence, a clause or a label ends there.
    private static let lineEnds: Set<UInt8> = [0x2E, 0x21, 0x3F, 0x3A, 0x3B]

    /// Ends the current block.
    mutating func endBlock() {
        defer {
            current.removeAll(keepingCapacity: true)
            pendingSpace = false
            pendingWrap = false
            spacesInLine = 0
        }
        guard !current.isEmpty else { return }
        let text = String(decoding: current, as: UTF8.self)
        let block: String
        if current.contains(0x0A) {
            block = text.split(separator: "\n").map { $0.trimmingSpaces() }.filter { !$0.isEmpty }.joined(separator: "\n")
        } else {
            block = text.last == " " ? String(text.dropLast()) : text
        }
        if !block.isEmpty { blocks.append(block) }
    }

    /// The text so far: blocks separated by blank lines.
    mutating func finish() -> String {
        endBlock()
        return blocks.joined(separator: "\n\n")
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        var slice = self[...]
        while slice.first == " " { slice = slice.dropFirst() }
        while slice.last == " " { slice = slice.dropLast() }
        return String(slice)
    }
}

/// Element names by how they render.
enum HTMLElements {
    /// Elements whose content is never visible text.
    static let invisible = TagSet([
        "script", "style", "noscript", "template", "head", "svg", "math", "iframe", "object", "embed", "canvas",
        "select", "option", "textarea", "button", "input", "audio", "video", "map", "dialog",
    ])

    /// Elements that start and end a block of text.
    static let blocks = TagSet([
        "p", "div", "section", "article", "main", "header", "footer", "aside", "nav", "h1", "h2", "h3", "h4", "h5", "h6",
        "ul", "ol", "li", "dl", "dt", "dd", "table", "caption", "blockquote", "pre",
        "figure", "figcaption", "form", "fieldset", "address", "details", "summary", "hr", "body", "html", "center",
        "legend", "hgroup", "menu", "picture",
    ])

    /// Table cells: separated by a tab within their row.
    static let cells = TagSet(["td", "th"])
}
