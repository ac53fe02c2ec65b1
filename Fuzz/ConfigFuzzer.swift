// libFuzzer entry point for the config loader: any bytes as config.json, no crash, leak or hang
// out (a bad config must be a ConfigError). Built and run by Scripts/fuzz.sh; not part of the package.
import Builtins
import Foundation
import SummarizerCore

/// The built-in plugins, so specs, defaults and environment fallbacks are exercised.
let registry: PluginRegistry = {
    var registry = PluginRegistry()
    registry.register(contentsOf: BuiltinPlugins.all)
    return registry
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfigLoader(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let loader = ConfigLoader(registry: registry, environment: ["BATCH_SIZE": "7", "RETRY_MAX_ATTEMPTS": "x"])
    _ = try? loader.load(data: Data(bytes: data, count: size), baseDirectory: "/nonexistent")
    return 0
}
