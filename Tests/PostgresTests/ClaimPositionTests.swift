import Foundation
import NewsTables
import Testing

@Suite("Claim position") struct ClaimPositionTests {
    @Test func aClaimStartsAfterTheLastRowButWalksFromTheHeadEverySecond() {
        var position = ClaimPosition<(date: Date?, id: UUID)>()
        let start = ContinuousClock.now
        let row = (date: Date?.none, id: UUID())

        #expect(position.start(at: start) == nil, "the first claim walks from the head")
        position.handedOut(last: row)
        #expect(position.start(at: start + .milliseconds(500))?.id == row.id)
        #expect(position.start(at: start + .milliseconds(999))?.id == row.id)
        // A second after the last walk from the head, the next claim walks from it again, and the
        // second counts from then.
        #expect(position.start(at: start + .seconds(1)) == nil)
        #expect(position.start(at: start + .milliseconds(1500))?.id == row.id)
        #expect(position.start(at: start + .seconds(2)) == nil)
        // A claim that handed out nothing sends the next one to the head.
        position.handedOut(last: nil)
        #expect(position.start(at: start + .milliseconds(2100)) == nil)
    }
}
