"""Two records of one step with one key (fan-out elements the key does not tell
apart, two source records with one id): the first loads, each later one fails on its
own with DUPLICATE_KEY, and every element keeps an outcome; nothing is silently
merged (found by the issue 21 differential campaign)."""

from __future__ import annotations

import crossmap

SPEC = """xmap 1
source memory
target memory

object Ticket {
  Ext: text(10) external unique
}

object Tag {
  Label: text(20)
  Note: text(20)
}

map tickets -> Ticket {
  upsert on Ext
  Ext  = id
}

map tickets.tags as tag -> Tag {
  key id + ":" + tag.label
  Label = tag.label
  Note  = tag.note
}
"""


def test_a_key_shared_by_two_elements_fails_the_second_and_says_why() -> None:
    source = crossmap.MemorySource({"tickets": [
        {"id": "t1", "tags": [{"label": "vip", "note": "a"}, {"label": "vip", "note": "b"},
                              {"label": "new", "note": "c"}]},
        {"id": "t2", "tags": [{"label": "vip", "note": "d"}]},
    ]})
    destination = crossmap.MemoryDestination()
    with crossmap.StateStore.open(":memory:") as store:
        summary = crossmap.migrate(SPEC, source, destination, store=store)
        (duplicate,) = store.failures(summary.run.id, "tickets.tags->Tag")
    assert summary.counts["tickets.tags->Tag"] == {"created": 3, "failed": 1}
    assert sorted(r["Note"] for r in destination.records("Tag")) == ["a", "c", "d"]
    assert duplicate.key == "t1:vip (duplicate #2)" and duplicate.code == "DUPLICATE_KEY"
    assert "must identify one record" in (duplicate.reason or "")
    (group,) = [e for e in summary.errors if e.code == "DUPLICATE_KEY"]
    assert group.count == 1
