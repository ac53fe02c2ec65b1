/// What middleware sees of one stage call.
public struct StageCall: Sendable {
    /// The role of the stage being called.
    public var role: PluginRole
    /// The type name of the plugin being called, e.g. `mock`; keys per-backend policies.
    public var pluginType: String
    /// The item, for per-item stages; `nil` for a sink batch.
    public var item: WorkItem?
    /// The call's context.
    public var context: StageContext

    /// A call of the `role` stage's `pluginType` plugin for `item`.
    public init(role: PluginRole, pluginType: String, item: WorkItem?, context: StageContext) {
        self.role = role
        self.pluginType = pluginType
        self.item = item
        self.context = context
    }
}
