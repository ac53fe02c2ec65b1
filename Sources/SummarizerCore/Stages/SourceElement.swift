/// An entry a source could not turn into an item, e.g. a junk line in a URL list.
///
/// Rejections are reported with their location and go to the dead-letter sink; the rest of
/// the source is still processed.
public struct SourceRejection: Sendable, Hashable {
    /// Where the entry was, e.g. `urls.txt:7`.
    public var location: String
    /// The entry as read, shortened when very long.
    public var entry: String
    /// Why it was rejected.
    public var error: PipelineError

    /// A rejection; a long entry is shortened to 300 characters.
    public init(location: String, entry: String, error: PipelineError) {
        self.location = location
        self.entry = entry.count > 300 ? String(entry.prefix(300)) + "…" : entry
        self.error = error
    }
}

/// One element a source yields.
public enum SourceElement: Sendable, Hashable {
    case item(WorkItem)
    case rejected(SourceRejection)
}
