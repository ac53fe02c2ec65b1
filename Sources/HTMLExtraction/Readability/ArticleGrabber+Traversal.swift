import CLibXML2
import Foundation
import SummarizerCore

/// Walking the tree while it changes, and comparing texts.
extension ArticleGrabber {
    /// Removes `node` and returns the next node in document order after it.
    func removeAndGetNext(_ node: Node) -> Node? {
        let next = Self.next(node, skippingChildren: true)
        node.remove()
        return next
    }

    /// The next element in document order (depth first).
    static func next(_ node: Node, skippingChildren: Bool) -> Node? {
        if !skippingChildren, let child = node.firstElementChild { return child }
        var current: Node? = node
        while let candidate = current {
            if let sibling = candidate.nextElementSibling { return sibling }
            current = candidate.parentNode
        }
        return nil
    }
}

/// How alike two short texts are, by their words.
enum TextSimilarity {
    static func tokens(_ text: String) -> [String] {
        text.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init)
    }

    /// 1 minus the share of `b`'s words missing from `a`, weighted by length.
    static func similarity(_ a: String, _ b: String) -> Double {
        let first = tokens(a)
        let second = tokens(b)
        guard !first.isEmpty, !second.isEmpty else { return 0 }
        let set = Set(first)
        let unique = second.filter { !set.contains($0) }
        let distance = Double(unique.joined(separator: " ").count) / Double(second.joined(separator: " ").count)
        return 1 - distance
    }
}
