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

    func counter(_ name: String, _ values: String...) -> CoreMetrics.Counter {
        let key = Key(name: name, values: values)
        return counters.withLock { cache in
            if let handle = cache[key] { return handle }
            let handle = CoreMetrics.Counter(label: name, dimensions: dimensions(name, values), factory: factory)
            cache[key] = handle
            return handle
        }
    }

    func floatingCounter(_ name: String, _ values: String...) -> FloatingPointCounter {
        let key = Key(name: name, values: values)
        return floatingCounters.withLock { cache in
            if let handle = cache[key] { return handle }
            let handle = FloatingPointCounter(label: name, dimensions: dimensions(name, values), factory: factory)
            cache[key] = handle
            return handle
        }
    }

    func gauge(_ name: String, _ values: String...) -> Gauge {
        let key = Key(name: name, values: values)
        return gauges.withLock { cache in
            if let handle = cache[key] { return handle }
            let handle = Gauge(label: name, dimensions: dimensions(name, values), factory: factory)
            cache[key] = handle
            return handle
        }
    }

    func timer(_ name: String, _ values: String...) -> CoreMetrics.Timer {
        let key = Key(name: name, values: values)
        return timers.withLock { cache in
            if let handle = cache[key] { return handle }
            let handle = CoreMetrics.Timer(label: name, dimensions: dimensions(name, values), factory: factory)
            cache[key] = handle
            return handle
        }
    }
}
