import ArgumentParser
import Foundation
import Logging
import SummarizerCore
import WebFetch

/// `summarize extract`: run an extractor on one page, or on a corpus of pages.
struct ExtractCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract: "Print the article an extractor finds in one page (a file or a URL), or extract a whole corpus to JSON.",
        discussion: """
            One page: `summarize extract page.html [--json]` prints the article text (with --json, the metadata too).
            A URL is fetched with the http fetcher and its default address policy.

            A corpus: `summarize extract --corpus DIR --out pred.json` runs over every DIR/*/source.html, DIR/*.html or DIR/*.html.gz \
            and writes {"<id>": {"articleBody": "...", "title": "...", "seconds": 0.0031}}, where <id> is the folder \
            name or the file name without .html/.html.gz, and seconds is the extraction time of that page alone (reading excluded). A page the \
            extractor rejects gets an empty articleBody and an "error".
            """
    )

    @Argument(help: "A file path or an http(s) URL.")
    var page: String?

    @Flag(help: "Print the metadata and the text as JSON.")
    var json = false

    @Option(help: ArgumentHelp("Extract every page of this folder.", valueName: "dir"))
    var corpus: String?

    @Option(help: ArgumentHelp("Where --corpus writes its JSON.", valueName: "file"))
    var out: String?

    @Option(help: ArgumentHelp("The extractor plugin to use.", valueName: "name"))
    var extractor = "readability"

    func validate() throws {
        switch (page, corpus) {
        case (nil, nil): throw ValidationError("give a page (a file or URL) or --corpus DIR")
        case (.some, .some): throw ValidationError("give a page or --corpus, not both")
        case (nil, .some) where out == nil: throw ValidationError("--corpus needs --out FILE")
        default: break
        }
    }

    func makeExtractor() throws -> any ContentExtractor {
        let registry = Summarize.registry()
        guard let plugin = registry.plugin(role: .extractor, type: extractor), case .extractor(let make) = plugin.factory else {
            let known = registry.plugins(role: .extractor).map(\.spec.type).joined(separator: ", ")
            throw ValidationError("no extractor named \"\(extractor)\"; known: \(known)")
        }
        let logger = Summarize.logger(label: "extract", level: .info)
        do {
            return try make(try PluginConfig.defaults(for: plugin.spec), PluginEnvironment(logger: logger, baseDirectory: "."))
        } catch {
            StandardError.print("\(error)")
            throw ExitCodes.configuration
        }
    }

    func run() async throws {
        let extractor = try makeExtractor()
        if let corpus, let out {
            try await extractCorpus(corpus, to: out, with: extractor)
        } else if let page {
            try await extractOne(page, with: extractor)
        }
    }

    var context: StageContext {
        StageContext(logger: Logger(label: "extract") { _ in SwiftLogNoOpLogHandler() })
    }

    func extractOne(_ location: String, with extractor: any ContentExtractor) async throws {
        let fetched: FetchedPage
        let item = WorkItem(url: location)
        do {
            if location.hasPrefix("http://") || location.hasPrefix("https://") {
                let fetcher = HTTPFetcher()
                do {
                    fetched = try await fetcher.fetch(item, context: context)
                } catch {
                    await fetcher.shutdown()
                    throw error
                }
                await fetcher.shutdown()
            } else {
                fetched = try await Self.readPage(URL(fileURLWithPath: location), context: context)
            }
        } catch {
            StandardError.print("cannot read \(location): \(PipelineError.from(error))")
            throw ExitCode(1)
        }
        let article: Article
        do {
            article = try await extractor.extract(fetched, item: item, context: context)
        } catch {
            StandardError.print("\(location): \(PipelineError.from(error))")
            throw ExitCode(1)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(article), as: UTF8.self))
        } else {
            print(article.text)
        }
    }

    /// A local page, read the way the `file` fetcher reads it (size cap, HTML check, charset).
    static func readPage(_ url: URL, context: StageContext) async throws -> FetchedPage {
        try await FileFetcher().fetch(WorkItem(url: url.standardizedFileURL.absoluteString), context: context)
    }

    func extractCorpus(_ directory: String, to output: String, with extractor: any ContentExtractor) async throws {
        let pages = CorpusPage.list(in: URL(fileURLWithPath: directory))
        guard !pages.isEmpty else {
            StandardError.print("no pages in \(directory): expected DIR/*/source.html, DIR/*.html or DIR/*.html.gz")
            throw ExitCode(1)
        }
        var results: [String: [String: JSONValue]] = [:]
        var failures = 0
        let clock = ContinuousClock()
        for page in pages {
            let (id, url) = (page.id, page.url)
            let fetched: FetchedPage
            do {
                fetched = try await Self.readPage(url, context: context)
            } catch {
                results[id] = ["articleBody": .string(""), "error": .string("cannot read: \(PipelineError.from(error))")]
                failures += 1
                continue
            }
            let item = WorkItem(url: "http://fakehost/test/page.html")
            let start = clock.now
            do {
                let article = try await extractor.extract(fetched, item: item, context: context)
                let seconds = (clock.now - start).seconds
                results[id] = [
                    "articleBody": .string(article.text), "title": article.title.map(JSONValue.string) ?? .null,
                    "seconds": .number(seconds),
                ]
            } catch {
                let seconds = (clock.now - start).seconds
                results[id] = [
                    "articleBody": .string(""), "error": .string(PipelineError.from(error).description), "seconds": .number(seconds),
                ]
                failures += 1
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            try encoder.encode(results).write(to: URL(fileURLWithPath: output))
        } catch {
            StandardError.print("cannot write \(output): \(error.localizedDescription)")
            throw ExitCode(1)
        }
        StandardError.print("extracted \(pages.count) pages (\(failures) rejected) into \(output)")
    }
}
