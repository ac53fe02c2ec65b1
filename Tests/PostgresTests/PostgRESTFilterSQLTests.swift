import Testing

@testable import SummarizerTestingPostgres

/// The fake PostgREST's translation of query strings into SQL, without a server.
@Suite("PostgREST filters as SQL")
struct PostgRESTFilterSQLTests {
    @Test func operatorsBecomeComparisonsOnQuotedColumnsWithQuotedValues() throws {
        #expect(try PostgRESTFilterSQL.filter(name: "publisher", value: "eq.Pioneers", prefix: "t.") == "t.\"publisher\" = 'Pioneers'")
        #expect(try PostgRESTFilterSQL.filter(name: "n", value: "gte.3", prefix: "") == "\"n\" >= '3'")
        #expect(try PostgRESTFilterSQL.filter(name: "x", value: "is.null", prefix: "e.") == "e.\"x\" is null")
        #expect(try PostgRESTFilterSQL.filter(name: "id", value: "in.(a,\"b,c\")", prefix: "") == "\"id\" in ('a', 'b,c')")
        #expect(try PostgRESTFilterSQL.filter(name: "id", value: "in.()", prefix: "") == "false")
        // A quote in a value stays inside the literal.
        #expect(try PostgRESTFilterSQL.filter(name: "title", value: "eq.O'Brien", prefix: "") == "\"title\" = 'O''Brien'")
    }

    @Test func logicTreesNestWithTheirJoiners() throws {
        let sql = try PostgRESTFilterSQL.filter(name: "or", value: "(a.lt.1,and(b.eq.2,c.is.null))", prefix: "t.")
        #expect(sql == "(t.\"a\" < '1' or (t.\"b\" = '2' and t.\"c\" is null))")
    }

    @Test func whatPostgRESTWouldRefuseIsRefused() {
        for (name, value) in [("a", "like.x"), ("a", "eq"), ("a", "is.maybe"), ("a", "in.x"), ("Bad-Name", "eq.1"), ("or", "a.eq.1")] {
            #expect(throws: FakePostgREST.Failure.self, "\(name)=\(value)") {
                try PostgRESTFilterSQL.filter(name: name, value: value, prefix: "")
            }
        }
    }

    @Test func queryStringsAreSplitAndPercentDecoded() {
        let pairs = PostgRESTFilterSQL.parseQuery("select=id,url&publisher=eq.The%20Times&flag")
        #expect(pairs.map(\.0) == ["select", "publisher", "flag"])
        #expect(pairs.map(\.1) == ["id,url", "eq.The Times", ""])
        #expect(PostgRESTFilterSQL.splitTopLevel("a,b(c,d),\"e,f\"").map(String.init) == ["a", "b(c,d)", "\"e,f\""])
    }
}
