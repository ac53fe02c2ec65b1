import ArgumentParser
import Foundation
import SummarizerCore

/// `summarize plugins`: what can go into a config.
struct PluginsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins",
        abstract: "List every plugin by role, or describe one plugin's config keys.",
        subcommands: [List.self, Describe.self],
        defaultSubcommand: List.self
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List every plugin by role.")

        func run() async throws {
            print(PluginCatalog(registry: Summarize.registry()).list())
        }
    }

    struct Describe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "describe", abstract: "Show a plugin's config keys, types, defaults and docs, for every role it fills.")

        @Argument(help: "The plugin's type name, e.g. mock or jsonl.")
        var name: String

        func run() async throws {
            let catalog = PluginCatalog(registry: Summarize.registry())
            guard let text = catalog.describe(name) else {
                var message = "no plugin named \"\(name)\""
                if let suggestion = catalog.suggestion(for: name) { message += "; did you mean \"\(suggestion)\"?" }
                throw ValidationError(message + " Run `summarize plugins` for the list.")
            }
            print(text)
        }
    }
}

/// Renders the registry for people.
struct PluginCatalog {
    var registry: PluginRegistry

    static let roleTitles: [(PluginRole, String)] = [
        (.source, "Sources (\"source\")"), (.fetcher, "Fetchers (\"fetcher\")"), (.extractor, "Extractors (\"extractor\")"),
        (.summarizer, "Summarizers (\"summarizer\")"), (.sink, "Sinks (\"sinks\")"), (.deadLetter, "Dead-letter sinks (\"deadLetter\")"),
        (.middleware, "Middleware (\"middleware\")"),
    ]

    func list() -> String {
        var lines: [String] = []
        for (role, title) in Self.roleTitles {
            let plugins = registry.plugins(role: role)
            guard !plugins.isEmpty else { continue }
            lines.append(title)
            for plugin in plugins {
                lines.append("  " + plugin.spec.type.padding(toLength: 16, withPad: " ", startingAt: 0) + plugin.spec.summary)
            }
            lines.append("")
        }
        lines.append("`summarize plugins describe NAME` shows a plugin's keys.")
        return lines.joined(separator: "\n")
    }

    func describe(_ name: String) -> String? {
        let plugins = registry.plugins(named: name)
        guard !plugins.isEmpty else { return nil }
        return plugins.map(describe).joined(separator: "\n\n")
    }

    func describe(_ plugin: Plugin) -> String {
        let spec = plugin.spec
        var lines = ["\(spec.type) (\(spec.role)): \(spec.summary)"]
        if spec.keys.isEmpty {
            lines.append("  no keys besides \"type\"")
        } else {
            lines.append("  keys:")
            for key in spec.keys {
                var facts = ["\(key.type)"]
                if key.isRequired { facts.append("required") }
                if let value = key.defaultValue { facts.append("default \(key.isSecret ? "<redacted>" : value.description)") }
                if let allowed = key.allowedValues { facts.append("one of \(allowed.joined(separator: ", "))") }
                if let minimum = key.minimum { facts.append("at least \(Int(exactly: minimum).map(String.init) ?? String(minimum))") }
                if key.isSecret { facts.append("secret") }
                if !key.environment.isEmpty { facts.append("env \(key.environment.joined(separator: ", "))") }
                lines.append("    \(key.name) (\(facts.joined(separator: "; ")))")
                lines.append("        \(key.documentation)")
            }
        }
        if spec.role != .middleware, spec.role != .source {
            lines.append("  middleware: a list of names from /middleware; omitted means the role's default chain")
        }
        if !spec.runOptions.isEmpty {
            lines.append("  honours: " + spec.runOptions.map(\.flag).sorted().joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }

    func suggestion(for name: String) -> String? {
        let names = PluginRole.allCases.flatMap { registry.plugins(role: $0).map(\.spec.type) }
        return Suggestion.closest(to: name, in: names)
    }
}
