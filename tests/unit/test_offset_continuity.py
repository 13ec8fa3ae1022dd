"""Records the consumer skipped around a rebalance are spotted and read again, never passed over."""

from __future__ import annotations

import doctest

import stream.offset_continuity
from stream.offset_continuity import OffsetContinuity, Verdict

APPLY, SKIP, SEEK = Verdict.APPLY, Verdict.SKIP, Verdict.SEEK


def test_the_docstring_example_runs() -> None:
    result = doctest.testmod(stream.offset_continuity)
    assert result.failed == 0 and result.attempted > 0


def test_records_in_order_from_the_committed_offset_are_applied() -> None:
    offsets: OffsetContinuity[str] = OffsetContinuity()
    offsets.start("p0", 7, now=0.0)
    assert [offsets.admit("p0", o, now=0.0) for o in (7, 8, 9)] == [APPLY] * 3
    assert offsets.expected("p0") == 10


def test_a_hole_at_the_start_of_an_assignment_is_caught() -> None:
    # The first records after the committed offset are the ones Faust drops.
    offsets: OffsetContinuity[str] = OffsetContinuity()
    offsets.start("p0", 100, now=0.0)
    assert offsets.admit("p0", 103, now=0.0) is SEEK
    assert offsets.expected("p0") == 100


def test_after_a_seek_the_records_still_buffered_are_skipped_until_the_hole_is_read() -> None:
    offsets: OffsetContinuity[str] = OffsetContinuity(patience_s=10.0, reseek_s=1.0)
    offsets.start("p0", 0, now=0.0)
    verdicts = [offsets.admit("p0", o, now=1.0) for o in (0, 2, 3, 4)]
    assert verdicts == [APPLY, SEEK, SKIP, SKIP]  # one seek, not one per record
    reread = [offsets.admit("p0", o, now=1.2) for o in (1, 2, 3, 4, 5)]
    assert reread == [APPLY] * 5


def test_records_read_again_after_a_seek_to_the_committed_offset_are_not_applied_twice() -> None:
    offsets: OffsetContinuity[str] = OffsetContinuity()
    offsets.start("p0", 0, now=0.0)
    for o in range(5):
        offsets.admit("p0", o, now=0.0)
    assert [offsets.admit("p0", o, now=0.0) for o in (2, 3, 4, 5)] == [SKIP, SKIP, SKIP, APPLY]


def test_a_hole_the_log_really_has_is_accepted_after_the_patience_runs_out() -> None:
    offsets: OffsetContinuity[str] = OffsetContinuity(patience_s=10.0, reseek_s=1.0)
    offsets.start("p0", 0, now=0.0)
    assert offsets.admit("p0", 5, now=0.0) is SEEK
    assert offsets.admit("p0", 5, now=9.9) is SKIP
    assert offsets.admit("p0", 5, now=10.0) is APPLY
    assert offsets.admit("p0", 6, now=10.0) is APPLY


def test_partitions_are_independent_and_forgotten_on_revoke() -> None:
    offsets: OffsetContinuity[str] = OffsetContinuity()
    offsets.start("p0", 0, now=0.0)
    offsets.start("p1", 50, now=0.0)
    assert offsets.admit("p0", 3, now=0.0) is SEEK
    assert offsets.admit("p1", 50, now=0.0) is APPLY
    offsets.forget(["p0"])
    assert not offsets.knows("p0") and offsets.knows("p1")


def test_an_open_hole_is_sought_again_every_reseek_interval_until_it_fills() -> None:
    # Records fetched before a seek can move Faust's read position past the hole again,
    # and then the records read again are dropped too: only another seek brings them.
    offsets: OffsetContinuity[str] = OffsetContinuity(patience_s=10.0, reseek_s=1.0)
    offsets.start("p0", 0, now=0.0)
    offsets.start("p1", 0, now=0.0)
    assert offsets.admit("p0", 4, now=0.0) is SEEK
    assert offsets.due_for_seek(now=0.9, ends={}) == {}
    assert offsets.due_for_seek(now=1.0, ends={}) == {"p0": 0}
    assert offsets.due_for_seek(now=1.5, ends={}) == {}
    assert offsets.due_for_seek(now=2.0, ends={}) == {"p0": 0}
    assert offsets.admit("p0", 0, now=2.1) is APPLY
    assert offsets.due_for_seek(now=5.0, ends={}) == {}


def test_records_lost_at_the_end_of_the_log_are_sought_once_the_partition_stalls() -> None:
    # No later record reveals such a hole: the log's end does.
    offsets: OffsetContinuity[str] = OffsetContinuity(reseek_s=1.0, stall_s=5.0)
    offsets.start("p0", 0, now=0.0)
    offsets.start("p1", 0, now=0.0)
    assert offsets.admit("p0", 0, now=1.0) is APPLY
    ends = {"p0": 9, "p1": 0}  # p0 has records 1..8 nobody handed over; p1 is caught up
    assert offsets.due_for_seek(now=5.9, ends=ends) == {}
    assert offsets.due_for_seek(now=6.0, ends=ends) == {"p0": 1}
    assert offsets.due_for_seek(now=8.0, ends=ends) == {}  # not every second: every stall_s
    assert offsets.due_for_seek(now=11.0, ends=ends) == {"p0": 1}
    assert offsets.admit("p0", 1, now=11.1) is APPLY
    assert offsets.due_for_seek(now=12.0, ends=ends) == {}  # moving again


def test_a_caught_up_partition_is_never_sought() -> None:
    offsets: OffsetContinuity[str] = OffsetContinuity(stall_s=5.0)
    offsets.start("p0", 7, now=0.0)
    assert offsets.due_for_seek(now=100.0, ends={"p0": 7}) == {}
    assert offsets.due_for_seek(now=100.0, ends={}) == {}  # end not known yet
