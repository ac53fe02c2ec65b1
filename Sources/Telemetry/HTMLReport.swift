import Foundation
import SummarizerCore

/// The run report as one self-contained HTML page (`--report-html`): no external fonts, scripts
/// or styles, charts drawn as inline SVG, every value from the run escaped.
public enum HTMLReport {
    /// The page for `document`.
    public static func render(_ document: RunReportDocument) -> String {
        var html = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>summarize run report: \(escape(document.startedAt))</title>
            <style>\(style)</style>
            </head>
            <body>
            <h1>Run report</h1>
            <p class="sub">\(escape(document.startedAt)) to \(escape(document.finishedAt)) · \(seconds(document.durationSeconds)) · \
            summarize \(escape(document.run.version)) · config \(escape(document.run.configHash)) · prompt \(escape(document.run.promptVersion))\
            \(document.dryRun ? " · <strong>dry run: nothing was written</strong>" : "")</p>

            """
        html += cards(document)
        html += section(
            "Throughput",
            "Items finished (any outcome) per \(Int(document.throughput.bucketSeconds)) seconds.",
            throughputChart(document.throughput)
        )
        html += section(
            "Latency by stage",
            "Seconds per stage call, retries included: median, 90th and 99th percentile, longest.",
            latencyChart(document.latency)
        )
        html += section("Failures by stage and kind", nil, failuresTable(document.failures))
        html += section("Tokens and cost", nil, tokensSection(document.llm))
        html += section("Effective pipeline", "As summarize explain prints it; secrets redacted.", "<pre>\(escape(document.run.pipeline))</pre>")
        html += "</body>\n</html>\n"
        return html
    }

    static let style = """
        body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:64rem;padding:0 1rem;color:#1d2330;background:#fff}
        h1{margin:0 0 .25rem}h2{margin:2rem 0 .5rem;font-size:1.2rem}.sub,.note{color:#5b6475}
        .cards{display:flex;flex-wrap:wrap;gap:.75rem;margin:1rem 0}.card{border:1px solid #d9dee8;border-radius:8px;padding:.6rem 1rem;min-width:7rem}
        .card b{display:block;font-size:1.5rem}.card.bad b{color:#b42318}.card.ok b{color:#067647}
        table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #e4e7ee;vertical-align:top}
        td.n{text-align:right;font-variant-numeric:tabular-nums}pre{background:#f5f7fa;padding:1rem;overflow:auto;font-size:.85rem}
        .stop{background:#fff4e5;border-left:4px solid #f79009;padding:.5rem 1rem}svg text{font-size:11px;fill:#5b6475}
        ul.ex{margin:0;padding-left:1rem;font-size:.85rem;word-break:break-all}
        """

    static func cards(_ document: RunReportDocument) -> String {
        let counts = document.counts
        var html = "<div class=\"cards\">"
        let items: [(String, String, String)] = [
            ("read", "\(counts.read)", ""),
            (document.dryRun ? "summarized" : "written", "\(counts.written)", "ok"),
            ("failed", "\(counts.failed)", counts.failed > 0 ? "bad" : ""),
            ("skipped", "\(counts.skipped)", ""),
            ("left for next run", "\(counts.unfinished)", counts.unfinished > 0 ? "bad" : ""),
            ("exit code", "\(document.exitCode)", document.exitCode == 0 ? "ok" : "bad"),
            ("LLM cost", String(format: "$%.4f", document.llm.costUSD), ""),
        ]
        for (label, value, tone) in items {
            html += "<div class=\"card \(tone)\"><b>\(escape(value))</b>\(escape(label))</div>"
        }
        html += "</div>\n"
        if let stop = document.stopReason {
            html += "<p class=\"stop\"><strong>Stopped (\(escape(stop.kind))):</strong> \(escape(stop.message))</p>\n"
        }
        return html
    }

    static func section(_ title: String, _ note: String?, _ body: String) -> String {
        "<h2>\(escape(title))</h2>\n" + (note.map { "<p class=\"note\">\(escape($0))</p>\n" } ?? "") + body + "\n"
    }

    /// A bar per timeline bucket, with the axis labelled in seconds since the start.
    static func throughputChart(_ throughput: RunReportDocument.Throughput) -> String {
        let values = throughput.itemsFinished
        guard !values.isEmpty else { return "<p class=\"note\">No item finished.</p>" }
        let (width, height, left, bottom) = (900.0, 220.0, 44.0, 24.0)
        let top = Double(values.max() ?? 1)
        let barWidth = (width - left - 8) / Double(values.count)
        var svg = "<svg role=\"img\" aria-label=\"throughput\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"100%\">"
        svg += axis(left: left, width: width, height: height, bottom: bottom, top: top)
        for (index, value) in values.enumerated() {
            let barHeight = top > 0 ? (height - bottom - 10) * Double(value) / top : 0
            let x = left + Double(index) * barWidth
            svg += "<rect x=\"\(fmt(x + 1))\" y=\"\(fmt(height - bottom - barHeight))\" width=\"\(fmt(max(1, barWidth - 2)))\" "
            svg += "height=\"\(fmt(barHeight))\" fill=\"#2e6fdb\"><title>\(Int(Double(index) * throughput.bucketSeconds)) s: \(value)</title></rect>"
        }
        let step = max(1, values.count / 8)
        for index in stride(from: 0, to: values.count, by: step) {
            let x = left + Double(index) * barWidth
            svg += "<text x=\"\(fmt(x + 2))\" y=\"\(fmt(height - 6))\">\(Int(Double(index) * throughput.bucketSeconds)) s</text>"
        }
        return svg + "</svg>"
    }

    static func axis(left: Double, width: Double, height: Double, bottom: Double, top: Double) -> String {
        var svg = "<line x1=\"\(fmt(left))\" y1=\"\(fmt(height - bottom))\" x2=\"\(fmt(width))\" y2=\"\(fmt(height - bottom))\" stroke=\"#98a2b3\"/>"
        svg += "<text x=\"2\" y=\"14\">\(Int(top))</text><text x=\"2\" y=\"\(fmt(height - bottom))\">0</text>"
        return svg
    }

    /// Per stage, four horizontal bars (p50, p90, p99, max) on one scale.
    static func latencyChart(_ latency: [String: LatencySummary]) -> String {
        let order = Stage.allCases.map(\.rawValue)
        let stages = latency.keys.sorted { (order.firstIndex(of: $0) ?? 9, $0) < (order.firstIndex(of: $1) ?? 9, $1) }
        guard !stages.isEmpty else { return "<p class=\"note\">No stage call was measured.</p>" }
        let scale = max(stages.compactMap { latency[$0]?.max }.max() ?? 0, 1e-6)
        let (width, left, rowHeight) = (900.0, 90.0, 16.0)
        let series: [(String, String, KeyPath<LatencySummary, Double>)] = [
            ("p50", "#9ec5fe", \.p50), ("p90", "#5b9bf8", \.p90), ("p99", "#2e6fdb", \.p99), ("max", "#1a3f8a", \.max),
        ]
        let blockHeight = rowHeight * Double(series.count) + 14
        let height = blockHeight * Double(stages.count) + 24
        var svg = "<svg role=\"img\" aria-label=\"latency by stage\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"100%\">"
        for (row, stage) in stages.enumerated() {
            guard let summary = latency[stage] else { continue }
            let y0 = Double(row) * blockHeight + 6
            svg += "<text x=\"0\" y=\"\(fmt(y0 + 12))\" font-weight=\"bold\">\(escape(stage))</text>"
            svg += "<text x=\"0\" y=\"\(fmt(y0 + 26))\">\(summary.count) calls</text>"
            for (index, (name, color, path)) in series.enumerated() {
                let value = summary[keyPath: path]
                let y = y0 + Double(index) * rowHeight
                let barWidth = (width - left - 140) * value / scale
                svg +=
                    "<rect x=\"\(fmt(left))\" y=\"\(fmt(y))\" width=\"\(fmt(max(1, barWidth)))\" height=\"\(fmt(rowHeight - 3))\" fill=\"\(color)\"/>"
                svg += "<text x=\"\(fmt(left + max(1, barWidth) + 4))\" y=\"\(fmt(y + 11))\">\(name) \(seconds(value))</text>"
            }
        }
        return svg + "</svg>"
    }

    static func failuresTable(_ failures: [RunReportDocument.FailureGroup]) -> String {
        guard !failures.isEmpty else { return "<p class=\"note\">No item failed.</p>" }
        var html = "<table><thead><tr><th>stage</th><th>kind</th><th>items</th><th>examples</th></tr></thead><tbody>"
        for group in failures {
            let examples = group.examples.map { "<li>\(escape($0))</li>" }.joined()
            html += "<tr><td>\(escape(group.stage))</td><td>\(escape(group.kind))</td><td class=\"n\">\(group.count)</td>"
            html += "<td><ul class=\"ex\">\(examples)</ul></td></tr>"
        }
        return html + "</tbody></table>"
    }

    static func tokensSection(_ llm: RunReportDocument.LLMUsage) -> String {
        guard llm.calls > 0 else { return "<p class=\"note\">No LLM call reported usage.</p>" }
        let kinds: [(String, Int)] = [
            ("prompt (uncached)", max(0, llm.tokens.prompt - llm.tokens.cached)), ("cached", llm.tokens.cached), ("output", llm.tokens.output),
            ("thoughts", llm.tokens.thoughts), ("tool use", llm.tokens.toolUse),
        ]
        let total = max(1, kinds.reduce(0) { $0 + $1.1 })
        let colors = ["#2e6fdb", "#9ec5fe", "#067647", "#f79009", "#7a5af8"]
        var svg = "<svg role=\"img\" aria-label=\"tokens by kind\" viewBox=\"0 0 900 70\" width=\"100%\">"
        var x = 0.0
        for (index, (name, count)) in kinds.enumerated() where count > 0 {
            let width = 900 * Double(count) / Double(total)
            svg +=
                "<rect x=\"\(fmt(x))\" y=\"0\" width=\"\(fmt(width))\" height=\"28\" fill=\"\(colors[index])\"><title>\(name): \(count)</title></rect>"
            x += width
        }
        var legendX = 0.0
        for (index, (name, count)) in kinds.enumerated() {
            svg += "<rect x=\"\(fmt(legendX))\" y=\"44\" width=\"10\" height=\"10\" fill=\"\(colors[index])\"/>"
            svg += "<text x=\"\(fmt(legendX + 14))\" y=\"53\">\(name) \(count)</text>"
            legendX += 175
        }
        svg += "</svg>"
        var html = "<p>\(llm.calls) calls, \(llm.tokens.total) tokens, estimated cost \(String(format: "$%.4f", llm.costUSD))"
        html += llm.unpricedCalls > 0 ? " (\(llm.unpricedCalls) calls of models without a price not included)</p>" : "</p>"
        html += svg
        html +=
            "<table><thead><tr><th>model</th><th>calls</th><th>prompt</th><th>cached</th><th>output</th><th>thoughts</th><th>tool use</th><th>cost</th></tr></thead><tbody>"
        for model in llm.byModel {
            let tokens = model.tokens
            html += "<tr><td>\(escape(model.model))</td><td class=\"n\">\(model.calls)</td><td class=\"n\">\(tokens.prompt)</td>"
            html += "<td class=\"n\">\(tokens.cached)</td><td class=\"n\">\(tokens.output)</td><td class=\"n\">\(tokens.thoughts)</td>"
            html += "<td class=\"n\">\(tokens.toolUse)</td><td class=\"n\">\(String(format: "$%.4f", model.costUSD))</td></tr>"
        }
        return html + "</tbody></table>"
    }

    static func seconds(_ value: Double) -> String {
        if value < 0.001 { return String(format: "%.0f µs", value * 1_000_000) }
        return value < 1 ? String(format: "%.1f ms", value * 1000) : String(format: "%.2f s", value)
    }

    static func fmt(_ value: Double) -> String {
        String(format: "%.1f", value)
    }

    /// `text` safe inside HTML text and attribute values.
    public static func escape(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&#39;"
            default: output.append(character)
            }
        }
        return output
    }
}
