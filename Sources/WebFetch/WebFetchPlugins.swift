import SummarizerCore

/// The fetcher plugins of this module: `http` and `file`.
public enum WebFetchPlugins {
    /// Every plugin of this module.
    public static let all: [Plugin] = [HTTPFetcher.plugin, FileFetcher.plugin]
}
