import Logging

/// One answer of an LLM backend: the reply text and what the call cost.
public struct LLMReply: Sendable {
    /// The reply's text, where the JSON object is.
    public var text: String
    /// What the call cost.
    public var spend: Spend
    /// The model version the service says answered, when it says.
    public var modelVersion: String?

    /// A reply; `modelVersion` is the model the service says answered.
    public init(text: String, spend: Spend, modelVersion: String? = nil) {
        self.text = text
        self.spend = spend
        self.modelVersion = modelVersion
    }
}
