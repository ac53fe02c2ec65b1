import CLibXML2

/// A fixed set of element names, tested against libxml2's name bytes without making a string:
/// a name of up to 16 bytes packs into one integer, and the set is a short list of them. The
/// tree walks ask this of every element of a page, where building a `String` per element was a
/// large part of the time.
struct TagSet: Sendable {
    private let codes: [UInt128]

    /// A set of `names` (lowercase ASCII, at most 16 bytes each).
    init(_ names: some Sequence<String>) {
        codes = names.map(Self.code)
    }

    /// `name` (lowercase ASCII, at most 16 bytes) packed as ``nameCode`` packs it.
    static func code(_ name: String) -> UInt128 {
        assert(name.utf8.count <= 16 && name == name.lowercased(), "not a packable element name: \(name)")
        return name.utf8.enumerated().reduce(UInt128(0)) { $0 | UInt128($1.element) << (8 * $1.offset) }
    }

    /// Whether `code` (a ``UnsafeMutablePointer/nameCode``) is one of the set's names.
    @inline(__always) func contains(_ code: UInt128) -> Bool {
        code != 0 && codes.contains(code)
    }

    /// Whether `node` is an element named one of the set's names.
    @inline(__always) func contains(_ node: Node) -> Bool {
        contains(node.nameCode)
    }
}

extension UnsafeMutablePointer where Pointee == xmlNode {
    /// The element's name packed into an integer, first byte lowest; 0 for non-elements and
    /// for names longer than 16 bytes (custom elements, which no ``TagSet`` holds).
    var nameCode: UInt128 {
        guard pointee.type == XML_ELEMENT_NODE, let name = pointee.name else { return 0 }
        var code: UInt128 = 0
        for offset in 0..<16 {
            let byte = name[offset]
            if byte == 0 { return code }
            code |= UInt128(byte) << (8 * offset)
        }
        return name[16] == 0 ? code : 0
    }
}
