import ArgumentParser
import SummarizerCore

/// `summarize validate`: checks a config without running anything.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a config: print ok, or every problem with its JSON pointer (exit 78).",
        discussion: """
            Checks unknown keys (with a did-you-mean), value types, required keys, plugin types, \
            middleware names and ${VAR} references, and reports all problems at once.
            """
    )

    @OptionGroup var configOptions: ConfigOptions

    func run() async throws {
        let registry = Summarize.registry()
        do {
            _ = try ConfigLoader(registry: registry).load(path: configOptions.config)
            print("ok")
        } catch {
            print(error.description)
            throw ExitCodes.configuration
        }
    }
}
