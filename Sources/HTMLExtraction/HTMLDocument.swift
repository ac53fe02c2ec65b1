import CLibXML2
import CParseArena

/// A parsed HTML document, owning its libxml2 tree.
///
/// Parsing uses libxml2's forgiving HTML parser (recover, no network, no error output) on
/// text that is already decoded, so the document's own charset declaration is ignored.
final class HTMLDocument {
    let pointer: htmlDocPtr
    /// Nodes taken out of the tree, freed with the document: freeing them at once would leave
    /// dangling pointers in lists of nodes collected before the removal.
    let detached = DetachedNodes()

    /// What the parser allocated for this document (``ParseArena``), released after the tree.
    private let arena: OpaquePointer?

    private static let initialized: Bool = {
        ParseArena.install()
        // libxml2 must set up its globals once before it is used from several threads.
        xmlInitParser()
        return true
    }()

    // XML_PARSE_HUGE lifts the nesting limit from 256 to 2048 levels: real pages nest deeper
    // than 256 more often than one would hope. Input size is capped before parsing anyway.
    private static let options: Int32 = Int32(
        XML_PARSE_HUGE.rawValue | HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue
            | HTML_PARSE_NONET.rawValue | HTML_PARSE_COMPACT.rawValue | HTML_PARSE_IGNORE_ENC.rawValue
    )

    /// Parses `text`; `nil` when libxml2 produced no document at all. With
    /// `droppingScriptBodies`, script, style and svg bodies (but JSON-LD) are left out before
    /// parsing (``ScriptBodies``): the tree is the same but for them, and is built faster.
    init?(text: String, url: String? = nil, droppingScriptBodies: Bool = false) {
        _ = Self.initialized
        var source = text.isEmpty ? "<html></html>" : text
        // Parse straight from the string's UTF-8 storage: no copy of the page, unless
        // script bodies are dropped from it.
        let arena = summarizer_parse_arena_create()
        let parsed = source.withUTF8 { buffer in
            if droppingScriptBodies, let stripped = ScriptBodies.stripped(buffer) {
                return stripped.withUnsafeBufferPointer { Self.parse($0, url: url, arena: arena) }
            }
            return Self.parse(buffer, url: url, arena: arena)
        }
        guard let parsed else {
            summarizer_parse_arena_destroy(arena)
            return nil
        }
        self.arena = arena
        pointer = parsed
        pointer.pointee._private = Unmanaged.passUnretained(detached).toOpaque()
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>, url: String?, arena: OpaquePointer?) -> htmlDocPtr? {
        guard let start = bytes.baseAddress else { return nil }
        return start.withMemoryRebound(to: CChar.self, capacity: bytes.count) { base in
            ParseArena.withArena(arena) {
                htmlReadMemory(base, Int32(bytes.count), url, "UTF-8", Self.options)
            }
        }
    }

    deinit {
        pointer.pointee._private = nil
        detached.freeAll()
        xmlFreeDoc(pointer)
        // Only now: freeing the tree reads the header of every block in the arena.
        summarizer_parse_arena_destroy(arena)
    }

    var root: xmlNodePtr? { xmlDocGetRootElement(pointer) }

    /// The first element named `name` (lowercase), depth first, without recursion.
    func firstElement(named name: String) -> xmlNodePtr? {
        var found: xmlNodePtr?
        HTMLWalker.walk(root) { node, _ in
            guard found == nil else { return .skipChildren }
            if node.elementName == name {
                found = node
                return .skipChildren
            }
            return .descend
        }
        return found
    }
}

/// Iterative depth-first traversal: deeply nested markup cannot overflow the stack.
enum HTMLWalker {
    enum Decision {
        case descend, skipChildren, stop
    }

    /// Visits `start` and its descendants in document order; `leave` is called after a node's children.
    static func walk(
        _ start: xmlNodePtr?,
        enter: (xmlNodePtr, Int) -> Decision,
        leave: ((xmlNodePtr) -> Void)? = nil
    ) {
        guard let start else { return }
        var node: xmlNodePtr? = start
        var depth = 0
        while let current = node {
            let decision = enter(current, depth)
            if decision == .stop { return }
            if decision == .descend, let child = current.pointee.children {
                node = child
                depth += 1
                continue
            }
            leave?(current)
            // Climb until a next sibling exists, leaving every node on the way up.
            var climbing: xmlNodePtr? = current
            node = nil
            while let up = climbing {
                if up == start { break }
                if let next = up.pointee.next {
                    node = next
                    break
                }
                climbing = up.pointee.parent
                depth -= 1
                if let parent = climbing {
                    leave?(parent)
                    if parent == start { break }
                }
            }
        }
    }
}

extension UnsafeMutablePointer where Pointee == xmlNode {
    /// The element's lowercase name, or `nil` for non-elements.
    var elementName: String? {
        guard pointee.type == XML_ELEMENT_NODE, let name = pointee.name else { return nil }
        // libxml2's HTML parser lowercases element names already; lowercasing again was the
        // single largest cost of walking a tree.
        return String(cString: name)
    }

    var isText: Bool {
        pointee.type == XML_TEXT_NODE || pointee.type == XML_CDATA_SECTION_NODE
    }

    /// The text of a text node.
    var textContent: String {
        guard let content = pointee.content else { return "" }
        return String(cString: content)
    }

    /// The value of attribute `name`, if present.
    func attribute(_ name: String) -> String? {
        // Most elements have no attributes at all: skip the lookup (and its allocation) then.
        guard pointee.properties != nil else { return nil }
        var name = name
        return name.withUTF8 { bytes in
            guard let property = property(named: bytes) else { return nil }
            if let value = Self.valueBytes(of: property) { return String(decoding: value, as: UTF8.self) }
            guard let value = xmlNodeListGetString(pointee.doc, property.pointee.children, 1) else { return "" }
            defer { summarizer_xmlFree(value) }
            return String(cString: value)
        }
    }

    /// The value of `property` as the bytes libxml2 holds it in, empty for an attribute without
    /// one; `nil` when it is not one text node and only a copy (`xmlNodeListGetString`) would
    /// give it. The HTML parser stores a value as one text node, entities already decoded, so
    /// reading it in place spares xmlGetProp's copy.
    static func valueBytes(of property: xmlAttrPtr) -> UnsafeBufferPointer<UInt8>? {
        guard let child = property.pointee.children else { return UnsafeBufferPointer(start: nil, count: 0) }
        guard child.pointee.next == nil, child.pointee.type == XML_TEXT_NODE else { return nil }
        guard let content = child.pointee.content else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: content, count: Int(xmlStrlen(content)))
    }

    /// The attribute node named `name`; libxml2's HTML parser lowercases attribute names, so
    /// the bytes are compared as they are.
    func property(named name: UnsafeBufferPointer<UInt8>) -> xmlAttrPtr? {
        var property = pointee.properties
        while let current = property {
            if let own = current.pointee.name, Self.equal(own, name) { return current }
            property = current.pointee.next
        }
        return nil
    }

    /// Whether the NUL-terminated `own` holds exactly `bytes`.
    @inline(__always) static func equal(_ own: UnsafePointer<xmlChar>, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        for offset in 0..<bytes.count where own[offset] != bytes[offset] { return false }
        return own[bytes.count] == 0
    }

    /// Whether a text node holds only ASCII white space, checked on its bytes.
    var isWhitespaceText: Bool {
        guard var pointer = pointee.content else { return true }
        while pointer.pointee != 0 {
            switch pointer.pointee {
            case 0x20, 0x09, 0x0A, 0x0D, 0x0C: pointer += 1
            default: return false
            }
        }
        return true
    }
}

/// The nodes a document's tree surgery took out, freed when the document is.
final class DetachedNodes {
    private var nodes: [xmlNodePtr] = []

    func add(_ node: xmlNodePtr) {
        nodes.append(node)
    }

    func freeAll() {
        for node in nodes { xmlFreeNode(node) }
        nodes = []
    }
}
