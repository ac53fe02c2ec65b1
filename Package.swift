// swift-tools-version:6.1

import PackageDescription

let package = Package(
    name: "news-summarizer",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "summarize", targets: ["summarize"]),
        .executable(name: "summarize-bench", targets: ["summarize-bench"]),
        .library(name: "SummarizerCore", targets: ["SummarizerCore"]),
        .library(name: "SummarizerTesting", targets: ["SummarizerTesting"]),
        .library(name: "SummarizerTestingPostgres", targets: ["SummarizerTestingPostgres"]),
        .plugin(name: "ValidateConfig", targets: ["ValidateConfig"]),
        .plugin(name: "NewPlugin", targets: ["NewPlugin"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        // The core reports through swift-metrics' API only; the CLI picks Prometheus as the backend.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.1.0"),
        // The HTTP fetcher's client; its NIO dependencies also serve the test kit's local servers.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.24.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.24.0"),
        // PostgreSQL: the shipped schema, `summarize db`, the postgres source and sink.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.21.0"),
        // TLS settings of database connections (sslmode, sslrootcert, sslcert, sslkey).
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.27.0"),
        // Graceful shutdown of `summarize run` on SIGINT and SIGTERM.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        // `summarize serve`'s HTTP server.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
    ],
    targets: [
        // The core knows no provider: domain model, stage protocols, registry, config, orchestrator.
        .target(
            name: "SummarizerCore",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "Resilience",
            dependencies: ["SummarizerCore", .product(name: "Logging", package: "swift-log")]
        ),
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        // libxml2's allocations while it parses a page, from one arena per document.
        .target(name: "CParseArena"),
        .target(
            name: "HTMLExtraction",
            dependencies: ["SummarizerCore", "CLibXML2", "CParseArena"]
        ),
        // zlib, for gzip-compressed pages on disk (`page.html.gz`); libxml2-dev brings its headers.
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(
            name: "WebFetch",
            dependencies: [
                "SummarizerCore",
                "Resilience",
                "CZlib",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPCompression", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // JSON over a pooled AsyncHTTPClient: the client of the LLM backends and of PostgREST.
        .target(
            name: "JSONHTTP",
            dependencies: [
                "SummarizerCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // The LLM summarizers (Gemini, OpenAI-compatible): one HTTP client, schema and repair loop.
        .target(
            name: "LLMBackends",
            dependencies: [
                "SummarizerCore",
                "JSONHTTP",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // What the postgres and supabase stages share: the columns a record fills, the settings
        // and modes of a news_urls source, id parsing, and the isolation of bad rows in a batch.
        .target(
            name: "NewsTables",
            dependencies: ["SummarizerCore"]
        ),
        .target(
            name: "Postgres",
            dependencies: [
                "SummarizerCore",
                "NewsTables",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("SQL")]
        ),
        // Supabase over PostgREST: the same table semantics as the postgres stages, over HTTP.
        .target(
            name: "Supabase",
            dependencies: [
                "SummarizerCore",
                "JSONHTTP",
                "NewsTables",
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Watching a run: the Prometheus exporter (listener, file, push gateway), the console with
        // its progress line and JSON logs, and the HTML report.
        .target(
            name: "Telemetry",
            dependencies: [
                "SummarizerCore",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Plugins written with `swift package new-plugin`; the CLI registers them all.
        .target(
            name: "LocalPlugins",
            dependencies: ["SummarizerCore", "HTMLExtraction", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "Builtins",
            dependencies: ["SummarizerCore", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "SummarizerTesting",
            dependencies: [
                "SummarizerCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // The test kit's database parts, apart so that a plugin author's test kit links no
        // database driver: per-test databases and the fake PostgREST, on a real PostgreSQL.
        .target(
            name: "SummarizerTestingPostgres",
            dependencies: [
                "SummarizerCore",
                "SummarizerTesting",
                "Postgres",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "summarize",
            dependencies: [
                "SummarizerCore",
                "Resilience",
                "HTMLExtraction",
                "WebFetch",
                "LLMBackends",
                "NewsTables",
                "Postgres",
                "Supabase",
                "Builtins",
                "LocalPlugins",
                "Telemetry",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        // Benchmark programs: they print figures; performance is never asserted in tests.
        .executableTarget(
            name: "summarize-bench",
            dependencies: [
                "SummarizerCore",
                "Builtins",
                "Resilience",
                "WebFetch",
                "Postgres",
                "Supabase",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                "HTMLExtraction",
                "SummarizerTesting",
                "SummarizerTestingPostgres",
                "NewsTables",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .plugin(
            name: "ValidateConfig",
            capability: .command(
                intent: .custom(verb: "validate-config", description: "Validate config.json (or a given path) with summarize validate.")
            ),
            dependencies: ["summarize"],
            path: "Plugins/ValidateConfig"
        ),
        .plugin(
            name: "NewPlugin",
            capability: .command(
                intent: .custom(verb: "new-plugin", description: "Write a new plugin with its test: --role ROLE --name Name."),
                permissions: [
                    .writeToPackageDirectory(reason: "new-plugin writes the plugin, its test and fixture, and lists it in LocalPluginsPlugins.swift")
                ]
            ),
            dependencies: ["summarize"],
            path: "Plugins/NewPlugin"
        ),
        .testTarget(
            name: "SummarizerCoreTests",
            dependencies: ["SummarizerCore", "SummarizerTesting", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "ResilienceTests",
            dependencies: ["Resilience", "SummarizerCore", "SummarizerTesting"]
        ),
        .testTarget(
            name: "HTMLExtractionTests",
            dependencies: ["HTMLExtraction", "CParseArena", "SummarizerCore", "SummarizerTesting", "WebFetch"]
        ),
        .testTarget(
            name: "WebFetchTests",
            dependencies: ["WebFetch", "SummarizerCore", "SummarizerTesting", "Resilience"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "LLMBackendsTests",
            dependencies: [
                "LLMBackends", "JSONHTTP", "SummarizerCore", "SummarizerTesting", "Resilience", .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "PostgresTests",
            dependencies: [
                "Postgres", "Supabase", "NewsTables", "SummarizerCore", "SummarizerTesting", "SummarizerTestingPostgres", "Builtins", "WebFetch",
                "HTMLExtraction", "Resilience",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "TelemetryTests",
            dependencies: [
                "Telemetry", "SummarizerCore", "SummarizerTesting", .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "LocalPluginsTests",
            dependencies: ["LocalPlugins", "SummarizerCore", .product(name: "Logging", package: "swift-log")],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "BuiltinsTests",
            dependencies: [
                "Builtins", "SummarizerCore", "SummarizerTesting", "HTMLExtraction", "WebFetch",
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Fixtures")]
        ),
        // The fault matrix of docs/reliability.md: one test per fault, counting written, failed, retried, lost.
        .testTarget(
            name: "FaultMatrixTests",
            dependencies: [
                // The CLI's registry: the faults run through exactly the plugins a user's run has.
                "summarize", "SummarizerCore", "SummarizerTesting", "SummarizerTestingPostgres", "Postgres", "NewsTables",
                .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "summarizeTests",
            dependencies: [
                "summarize", "SummarizerCore", "SummarizerTesting", "SummarizerTestingPostgres", "Postgres", "NewsTables",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
    ]
)

// One set of settings for every Swift target, as the swift-server packages do.
for target in package.targets where target.type != .system && target.type != .plugin {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    target.swiftSettings = settings
}
