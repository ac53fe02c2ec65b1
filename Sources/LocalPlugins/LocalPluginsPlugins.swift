import SummarizerCore

/// Your own plugins: `swift package --allow-writing-to-package-directory new-plugin --role ROLE
/// --name NAME` writes one here and lists it below; the `summarize` program registers them all.
public enum LocalPluginsPlugins {
    /// Every plugin of this module.
    public static let all: [Plugin] = [
        MetadataExtractor.plugin
        // new-plugin: new plugins are listed above this line.
    ]
}
