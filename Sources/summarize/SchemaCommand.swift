import ArgumentParser
import Foundation
import LLMBackends
import SummarizerCore

/// `summarize schema`: prints the summary schema a config uses, in the form each backend gets it.
struct SchemaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the summary schema: as JSON Schema (a starting point for schemaFile), or as a backend receives it.",
        discussion: """
            Without --config, the built-in news schema. With --config, the schema of that config's summarizer \
            (its schemaFile, if it names one). The prompt version recorded on records hashes this schema with the \
            prompt template and the generation settings.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case jsonSchema = "json-schema"
        case gemini
        case openai
        case prompt
    }

    @Option(help: ArgumentHelp("A config whose summarizer's schema to print.", valueName: "path"))
    var config: String?

    @Option(help: "json-schema (for schemaFile), gemini (responseSchema), openai (response_format schema), prompt (the text sent in tool modes).")
    var format: Format = .jsonSchema

    func run() async throws {
        var schema = SummarySchema.news
        if let config {
            var options = ConfigOptions()
            options.config = config
            let loaded = try options.load(registry: Summarize.registry())
            let summarizer = loaded.summarizer.config
            if summarizer.spec.key("schemaFile") != nil {
                do {
                    schema = try SummaryPrompt(config: summarizer).schema
                } catch {
                    StandardError.print(error.description)
                    throw ExitCodes.configuration
                }
            }
        }
        switch format {
        case .jsonSchema: print(Self.pretty(schema.jsonSchema))
        case .gemini: print(Self.pretty(schema.geminiResponseSchema))
        case .openai: print(Self.pretty(schema.openAIResponseSchema))
        case .prompt: print(schema.promptDescription)
        }
    }

    static func pretty(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(value)) ?? Data(), as: UTF8.self)
    }
}
