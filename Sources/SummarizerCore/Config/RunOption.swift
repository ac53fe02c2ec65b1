/// A run-wide command-line option that only some plugins can honour.
public enum RunOption: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// `--publisher`: the source filters by publisher.
    case publisher
    /// `--url-ids`: the source filters by item id.
    case urlIDs
    /// `--model`: the summarizer uses another model.
    case model
    /// `--enable-grounding`: the summarizer grounds answers with a search tool.
    case enableGrounding
    /// `--resummarize`: the source reads every item, summarized or not.
    case resummarize

    /// The command-line flag.
    public var flag: String {
        switch self {
        case .publisher: "--publisher"
        case .urlIDs: "--url-ids"
        case .model: "--model"
        case .enableGrounding: "--enable-grounding"
        case .resummarize: "--resummarize"
        }
    }

    /// The role whose plugin must honour the option.
    public var role: PluginRole {
        switch self {
        case .publisher, .urlIDs, .resummarize: .source
        case .model, .enableGrounding: .summarizer
        }
    }

    public var description: String { flag }
}
