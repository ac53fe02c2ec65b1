import Foundation
import SummarizerCore
import Testing

@testable import summarize

/// The parts of `summarize serve` that need no server: tokens and request fields.
@Suite("serve: tokens and request fields")
struct ServeUnitTests {
    @Test func tokensAreParsedTrimmedAndComparedInFull() {
        let auth = BearerAuth(environment: " alpha-token , beta-token,,")
        #expect(auth.isEnabled)
        #expect(auth.count == 2)
        #expect(auth.accepts("alpha-token"))
        #expect(auth.accepts("beta-token"))
        for wrong in ["alpha-toke", "alpha-token ", "alpha-tokenx", "", "ALPHA-TOKEN"] {
            #expect(!auth.accepts(wrong), "\(wrong) was accepted")
        }
        #expect(!BearerAuth(environment: nil).isEnabled)
        #expect(!BearerAuth(environment: " , ").isEnabled)
    }

    @Test func fieldProblemsNameTheirPointer() throws {
        var fields = try RequestFields(
            Data(#"{"a/b": 1, "limit": 2.5, "model": " \t", "urlIds": ["x", ""]}"#.utf8),
            allowed: ["limit", "model", "urlIds"]
        )
        #expect(fields.integer("limit", minimum: 1) == nil)
        #expect(fields.string("model") == nil)
        #expect(fields.strings("urlIds") == nil)
        #expect(fields.problems.map(\.pointer) == ["/a~1b", "/limit", "/model", "/urlIds/1"])
        do {
            try fields.check()
            Issue.record("problems were not reported")
        } catch {
            #expect(error.status == 400)
            #expect(error.pointer == "/a~1b")
            #expect(error.message.contains("and 3 more"))
        }
        // null is absent, as in the config; an empty body is an empty object.
        var empty = try RequestFields(Data(#"{"limit": null}"#.utf8), allowed: ["limit"])
        #expect(empty.integer("limit", minimum: 1) == nil)
        #expect(empty.problems.isEmpty)
        #expect(try RequestFields(Data(), allowed: []).problems.isEmpty)
        #expect(throws: APIError.self) { try RequestFields(Data("[]".utf8), allowed: []) }
        #expect(RequestFields.isBlank(" \t\r\n"))
        #expect(!RequestFields.isBlank("\u{0C}"))
    }

    @Test func methodsOfKnownPathsComeFromTheDocument() {
        #expect(ErrorMiddleware.methods(of: "/v1/runs") == ["GET", "POST"])
        #expect(ErrorMiddleware.methods(of: "/v1/runs/abc") == ["GET", "DELETE"])
        #expect(ErrorMiddleware.methods(of: "/v1/runs/abc/def") == nil)
        #expect(ErrorMiddleware.methods(of: "/v2") == nil)
        #expect(ErrorMiddleware.methods(of: "/healthz") == ["GET"])
        #expect(ErrorMiddleware.methods(of: "/v1/summarize") == ["POST"])
        #expect(ErrorMiddleware.methods(of: "/") == nil)
    }
}
