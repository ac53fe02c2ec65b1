import SummarizerCore

/// Your own plugins: `swift package --allow-writing-to-package-directory new-plugin --role ROLE
/// --name NAME` writes one here and lists it below; the `summarize` program registers them all.
public enum LocalPlugins {
    /// Every plugin of this module.
    public static let plugins: [Plugin] = [
        MetadataExtractor.plugin,
        // new-plugin: new plugins are listed above this line.
    ]

    /// Adds every plugin of this module to `registry`.
    public static func register(in registry: inout PluginRegistry) {
        for plugin in plugins { registry.register(plugin) }
    }
}
