import CLibXML2
import SummarizerCore

/// A libxml2 node: element helpers for tree surgery, keyed by identity for scores.
typealias Node = xmlNodePtr

extension UnsafeMutablePointer where Pointee == xmlNode {
    var isElement: Bool { pointee.type == XML_ELEMENT_NODE }

    /// The lowercase tag name; empty for non-elements.
    var tag: String { elementName ?? "" }

    var parentNode: Node? {
        guard let parent = pointee.parent, parent.pointee.type == XML_ELEMENT_NODE else { return nil }
        return parent
    }

    var firstChild: Node? { pointee.children }
    var nextSibling: Node? { pointee.next }
    var previousSibling: Node? { pointee.prev }

    /// The first child element, without listing them all.
    var firstElementChild: Node? {
        var child = pointee.children
        while let current = child, !current.isElement { child = current.pointee.next }
        return child
    }

    /// Whether the element is named `name` (lowercase ASCII); no string is made.
    func hasName(_ name: StaticString) -> Bool {
        guard isElement, let own = pointee.name else { return false }
        return name.withUTF8Buffer { bytes in
            for (offset, byte) in bytes.enumerated() where own[offset] != byte { return false }
            return own[bytes.count] == 0
        }
    }

    /// Whether no child element is named one of `names`.
    func hasNoChild(namedAnyOf names: TagSet) -> Bool {
        var child = pointee.children
        while let current = child {
            if names.contains(current) { return false }
            child = current.pointee.next
        }
        return true
    }

    /// Child elements, in order.
    var elementChildren: [Node] {
        var result: [Node] = []
        var child = pointee.children
        while let current = child {
            if current.isElement { result.append(current) }
            child = current.pointee.next
        }
        return result
    }

    /// All child nodes, in order.
    var childNodes: [Node] {
        var result: [Node] = []
        var child = pointee.children
        while let current = child {
            result.append(current)
            child = current.pointee.next
        }
        return result
    }

    var nextElementSibling: Node? {
        var node = pointee.next
        while let current = node {
            if current.isElement { return current }
            node = current.pointee.next
        }
        return nil
    }

    var className: String { attribute("class") ?? "" }
    var idAttribute: String { attribute("id") ?? "" }

    /// `class` and `id` joined by a space and lowercased: what the class and id word lists
    /// are matched against. Empty, and no string made, for an element without attributes.
    var classAndID: String {
        guard pointee.properties != nil else { return "" }
        let className = className
        let id = idAttribute
        if className.isEmpty, id.isEmpty { return "" }
        return (className + " " + id).lowercased()
    }

    /// Calls `body` with the UTF-8 bytes of ``classAndID``. Names in ASCII, nearly all of
    /// them, are read in place and lowercased into a temporary buffer (on the stack unless
    /// long); no string is made.
    func withClassAndID<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        guard pointee.properties != nil else { return body(UnsafeBufferPointer(start: nil, count: 0)) }
        guard let className = attributeBytes("class"), let id = attributeBytes("id") else {
            var names = classAndID
            return names.withUTF8(body)
        }
        if className.count == 0, id.count == 0 { return body(UnsafeBufferPointer(start: nil, count: 0)) }
        guard className.allSatisfy({ $0 < 0x80 }), id.allSatisfy({ $0 < 0x80 }) else {
            var names = classAndID
            return names.withUTF8(body)
        }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: className.count + 1 + id.count) { buffer in
            var index = 0
            for byte in className {
                buffer[index] = PhraseSet.lowercasedASCII(byte)
                index += 1
            }
            buffer[index] = 0x20
            index += 1
            for byte in id {
                buffer[index] = PhraseSet.lowercasedASCII(byte)
                index += 1
            }
            return body(UnsafeBufferPointer(buffer))
        }
    }

    /// The value of the attribute `name` in place (``valueBytes(of:)``): empty when it is absent,
    /// `nil` when only a copy would give it.
    private func attributeBytes(_ name: StaticString) -> UnsafeBufferPointer<UInt8>? {
        guard let property = name.withUTF8Buffer({ property(named: $0) }) else { return UnsafeBufferPointer(start: nil, count: 0) }
        return Self.valueBytes(of: property)
    }

    /// Every descendant element named one of `tags`, in document order, without recursion.
    func descendants(_ tags: Set<String>) -> [Node] {
        // Names compared on libxml2's bytes: making a string per element was most of the cost.
        let names = TagSet(tags)
        var result: [Node] = []
        HTMLWalker.walk(self) { node, depth in
            if depth > 0, names.contains(node) { result.append(node) }
            return node.isElement || depth == 0 ? .descend : .skipChildren
        }
        return result
    }

    /// Descendant elements named one of `tags`, grouped by name, from one walk.
    func index(_ tags: Set<String>) -> [String: [Node]] {
        var result: [String: [Node]] = [:]
        let names = TagSet(tags)
        HTMLWalker.walk(self) { node, depth in
            guard node.isElement || depth == 0 else { return .skipChildren }
            if depth > 0, names.contains(node), let name = node.elementName { result[name, default: []].append(node) }
            return .descend
        }
        return result
    }

    /// Every descendant element, in document order.
    var allDescendantElements: [Node] {
        var result: [Node] = []
        HTMLWalker.walk(self) { node, depth in
            guard node.isElement else { return .skipChildren }
            if depth > 0 { result.append(node) }
            return .descend
        }
        return result
    }

    /// The text of all descendant text nodes, concatenated.
    var rawText: String {
        var text = ""
        HTMLWalker.walk(self) { node, _ in
            if node.isText {
                text += node.textContent
                return .skipChildren
            }
            return node.isElement || node == self ? .descend : .skipChildren
        }
        return text
    }

    /// The text with white space collapsed and trimmed, as Readability measures it.
    var innerText: String {
        var builder = TextBuilder()
        builder.append(rawText)
        return builder.finish()
    }

    /// Calls `body` with each UTF-8 byte of ``innerText`` in order, without making it: white
    /// space runs (no-break spaces too) as one space, none at either end.
    func forEachInnerTextByte(_ body: (UInt8) -> Void) {
        var pendingSpace = false
        var started = false
        HTMLWalker.walk(self) { node, _ in
            if node.isText {
                guard var pointer = node.pointee.content else { return .skipChildren }
                while pointer.pointee != 0 {
                    let byte = pointer.pointee
                    if byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D || byte == 0x0C {
                        pendingSpace = started
                    } else if byte == 0xC2, pointer[1] == 0xA0 {
                        pendingSpace = started
                        pointer += 1
                    } else {
                        if pendingSpace {
                            body(0x20)
                            pendingSpace = false
                        }
                        body(byte)
                        started = true
                    }
                    pointer += 1
                }
                return .skipChildren
            }
            return node.isElement || node == self ? .descend : .skipChildren
        }
    }

    /// Whether `self` has an ancestor named `tag`, within `maxDepth` levels (0: any).
    func hasAncestor(_ tag: StaticString, maxDepth: Int = 3, where filter: ((Node) -> Bool)? = nil) -> Bool {
        var depth = 0
        var node = parentNode
        while let current = node {
            if maxDepth > 0, depth > maxDepth { return false }
            if current.hasName(tag), filter?(current) ?? true { return true }
            node = current.parentNode
            depth += 1
        }
        return false
    }

    /// Ancestors, nearest first, at most `maxDepth` (0: all).
    func ancestors(maxDepth: Int = 0) -> [Node] {
        var result: [Node] = []
        var node = parentNode
        while let current = node {
            result.append(current)
            if maxDepth > 0, result.count == maxDepth { break }
            node = current.parentNode
        }
        return result
    }

    /// Detaches the node (and its subtree) from the tree. It is freed with its document, so
    /// node lists collected earlier never point at freed memory.
    func remove() {
        xmlUnlinkNode(self)
        if let owner = pointee.doc?.pointee._private {
            Unmanaged<DetachedNodes>.fromOpaque(owner).takeUnretainedValue().add(self)
        } else {
            xmlFreeNode(self)
        }
    }

    /// Renames the element in place.
    func rename(_ name: String) {
        xmlNodeSetName(self, name)
    }

    /// Moves `child` to the end of this element's children.
    func append(_ child: Node) {
        xmlUnlinkNode(child)
        xmlAddChild(self, child)
    }

    /// Moves `node` (from wherever it is, or from nowhere) to just before this node.
    func insertBefore(_ node: Node) {
        xmlUnlinkNode(node)
        xmlAddPrevSibling(self, node)
    }

    func setAttribute(_ name: String, _ value: String) {
        xmlSetProp(self, name, value)
    }

    func removeAttribute(_ name: String) {
        xmlUnsetProp(self, name)
    }

    /// Whether the element's subtree has no text and no media; stops at the first content found.
    var isWithoutContent: Bool {
        var found = false
        HTMLWalker.walk(self) { node, _ in
            if node.isText {
                if !node.isWhitespaceText {
                    found = true
                    return .stop
                }
                return .skipChildren
            }
            guard node.isElement else { return .skipChildren }
            if DOMTags.media.contains(node) {
                found = true
                return .stop
            }
            return .descend
        }
        return !found
    }

    /// The length of the text, white space runs counted as one, in Unicode scalars; no string is built.
    var textLength: Int { textLength(cappedAt: .max) }

    /// `textLength`, or `limit` once the text reaches it: the walk stops there, so asking
    /// whether a long block is short costs only the start of it.
    func textLength(cappedAt limit: Int) -> Int {
        var run = TextRun()
        HTMLWalker.walk(self) { node, _ in
            if node.isText {
                // Only as much of a long text node as the cap needs is read.
                run.append(TextRun(text: node.pointee.content, upTo: limit - run.length))
                return run.length >= limit ? .stop : .skipChildren
            }
            return node.isElement || node == self ? .descend : .skipChildren
        }
        return min(run.length, limit)
    }
}

/// The text of a run of nodes as it is measured (white space runs count as one character,
/// none at either end), kept in a form two runs can be joined in: a post-order walk gives
/// every element the length `textLength` would give it, without walking its subtree again.
struct TextRun {
    /// Unicode scalars, white space runs inside counted as one.
    var length = 0
    /// Whether the run holds anything but white space.
    var hasText = false
    /// White space before the first character (for a run without text: any white space).
    var leadingSpace = false
    /// White space after the last character.
    var trailingSpace = false

    /// The run of one text node's bytes; with `limit`, the scan stops once the length reaches
    /// it (the run's length is then at least `limit`, the rest of it unknown).
    init(text content: UnsafePointer<xmlChar>?, upTo limit: Int = .max) {
        guard var pointer = content else { return }
        var pendingSpace = false
        while pointer.pointee != 0, length < limit {
            let byte = pointer.pointee
            if byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D || byte == 0x0C {
                pendingSpace = true
            } else if byte & 0xC0 != 0x80 {
                if !hasText {
                    leadingSpace = pendingSpace
                    hasText = true
                } else if pendingSpace {
                    length += 1
                }
                pendingSpace = false
                length += 1
            }
            pointer += 1
        }
        if hasText {
            trailingSpace = pendingSpace
        } else {
            leadingSpace = pendingSpace
            trailingSpace = pendingSpace
        }
    }

    init() {}

    /// `self` followed by `next`.
    mutating func append(_ next: TextRun) {
        guard hasText else {
            let space = leadingSpace || next.leadingSpace
            self = next
            leadingSpace = space
            if !next.hasText { trailingSpace = space }
            return
        }
        guard next.hasText else {
            trailingSpace = trailingSpace || next.leadingSpace
            return
        }
        length += next.length + (trailingSpace || next.leadingSpace ? 1 : 0)
        trailingSpace = next.trailingSpace
    }
}

/// Makes a new element in `document`.
func makeElement(_ name: String, in document: htmlDocPtr) -> Node {
    xmlNewDocNode(document, nil, name, nil)
}

extension HTMLDocument {
    /// Makes a new element, not yet in the tree.
    func makeElement(_ name: String) -> Node {
        xmlNewDocNode(pointer, nil, name, nil)
    }

    /// `node` and its subtree as HTML; `nil` if libxml2 cannot write it.
    func html(of node: Node) -> String? {
        guard let buffer = xmlBufferCreate() else { return nil }
        defer { xmlBufferFree(buffer) }
        guard htmlNodeDump(buffer, pointer, node) >= 0, let content = xmlBufferContent(buffer) else { return nil }
        return String(cString: content)
    }
}

enum DOMTags {
    static let media = TagSet(["img", "picture", "video", "iframe", "object", "embed", "svg"])
}
