import Foundation
import SummarizerCore
import Testing

@Suite("Retry-After hints")
struct RetryAfterTests {
    let now = Date(timeIntervalSince1970: 1_445_412_450)  // 2015-10-21 07:27:30 GMT

    @Test func secondsFractionsAndDatesAreRead() {
        #expect(RetryAfter.parse("120") == .seconds(120))
        #expect(RetryAfter.parse(" 1.5 ") == .milliseconds(1500))
        #expect(RetryAfter.parse("Wed, 21 Oct 2015 07:28:00 GMT", now: now) == .seconds(30))
        // A date in the past means now.
        #expect(RetryAfter.parse("Wed, 21 Oct 2015 07:28:00 GMT", now: now.addingTimeInterval(3_600)) == .zero)
        #expect(RetryAfter.parse(milliseconds: "750") == .milliseconds(750))
    }

    @Test func hostileValuesGiveNoHintOrAClampedOneNeverATrap() {
        for junk in ["soon", "", "-5", "nan", "inf", "-inf", "1e400"] {
            #expect(RetryAfter.parse(junk) == nil || RetryAfter.parse(junk) == RetryAfter.longest, "\(junk)")
        }
        #expect(RetryAfter.parse("-5") == nil)
        #expect(RetryAfter.parse("inf") == nil)
        #expect(RetryAfter.parse("99999999999999999999") == RetryAfter.longest)
        #expect(RetryAfter.parse(milliseconds: "1e300") == RetryAfter.longest)
        #expect(RetryAfter.parse(milliseconds: "-1") == nil)
    }
}
