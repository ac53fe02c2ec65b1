import Foundation

/// The pipeline stage where something happened.
public enum Stage: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case source, fetch, extract, summarize, sink
    public var description: String { rawValue }
}
