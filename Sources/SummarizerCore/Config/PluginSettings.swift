/// A plugin's typed settings: the one place its config keys and their defaults are declared.
///
/// Each key is bound to a stored property, and its default is that property's value in
/// `Self()`, so the spec that drives validation, `plugins describe` and `explain` cannot drift
/// from the defaults the plugin runs with. A factory reads the validated config back as a
/// value with ``PluginConfig/decode(_:)``:
///
/// ```swift
/// struct Settings: PluginSettings {
///     var minWords = 1
///     static let keys: [SettingKey<Settings>] = [
///         SettingKey("minWords", \.minWords, minimum: 1, doc: "Pages with fewer words fail."),
///     ]
/// }
/// // in the factory:
/// let settings = try config.decode(Settings.self)
/// ```
public protocol PluginSettings: Sendable {
    /// Every setting at its default; each bound key's default is read from here.
    init()
    /// The config keys, each bound to a property.
    static var keys: [SettingKey<Self>] { get }
}

extension PluginSettings {
    /// The keys as a ``PluginSpec`` lists them.
    public static var configKeys: [ConfigKey] { keys.map(\.key) }
}
