import SummarizerCore

/// The Supabase plugins of this module: the `supabase` source and sink.
public enum SupabasePlugins {
    /// Every plugin of this module.
    public static let all: [Plugin] = [SupabaseSource.plugin, SupabaseSink.plugin]
}
