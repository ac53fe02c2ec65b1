import CoreMetrics
import Synchronization

/// swift-metrics handles made once per name and label values, so reporting an event costs a
/// dictionary lookup under a lock rather than a factory call.
final class MetricHandles: Sendable {
    struct Key: Hashable, Sendable {
        var name: String
        var values: [String]
    }

    let factory: any MetricsFactory
    private let counters = Mutex<[Key: CoreMetrics.Counter]>([:])
    private let floatingCounters = Mutex<[Key: FloatingPointCounter]>([:])
    private let gauges = Mutex<[Key: Gauge]>([:])
    private let timers = Mutex<[Key: CoreMetrics.Timer]>([:])

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    /// The dimensions of `name` with `values`, in the order the catalogue gives its labels.
    private func dimensions(_ name: String, _ values: [String]) -> [(String, String)] {
        let labels = MetricCatalogue.entry(named: name)?.labels ?? []
        return zip(labels, values).map { ($0, $1) }
    }

    /// The handle of `key` in `cache`, made by `make` with the key's dimensions the first time.
    private func handle<Handle>(
        _ cache: borrowing Mutex<[Key: Handle]>,
        _ name: String,
        _ values: [String],
        _ make: ([(String, String)]) -> Handle
    ) -> Handle {
        let key = Key(name: name, values: values)
        return cache.withLock { cache in
            if let handle = cache[key] { return handle }
            let handle = make(dimensions(name, values))
            cache[key] = handle
            return handle
        }
    }

    func counter(_ name: String, _ values: String...) -> CoreMetrics.Counter {
        handle(counters, name, values) { CoreMetrics.Counter(label: name, dimensions: $0, factory: factory) }
    }

    func floatingCounter(_ name: String, _ values: String...) -> FloatingPointCounter {
        handle(floatingCounters, name, values) { FloatingPointCounter(label: name, dimensions: $0, factory: factory) }
    }

    func gauge(_ name: String, _ values: String...) -> Gauge {
        handle(gauges, name, values) { Gauge(label: name, dimensions: $0, factory: factory) }
    }

    func timer(_ name: String, _ values: String...) -> CoreMetrics.Timer {
        handle(timers, name, values) { CoreMetrics.Timer(label: name, dimensions: $0, factory: factory) }
    }
}
