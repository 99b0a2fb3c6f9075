"""A parallel rebuild shards partitions by number only where that keeps each chapter's events together."""

from __future__ import annotations

from aiokafka import TopicPartition

from services.referrals.service_layer.parallel_replay import shards


def _parts(counts: dict[str, int]) -> list[TopicPartition]:
    return [TopicPartition(t, p) for t, n in counts.items() for p in range(n)]


def test_equal_partition_counts_shard_by_partition_number_across_every_topic() -> None:
    counts = {"referrals": 4, "meetings": 4}
    out = shards(_parts(counts), counts, 2)
    assert [sorted({tp.partition for tp in shard}) for shard in out] == [[0, 2], [1, 3]]
    assert all({tp.topic for tp in shard} == set(counts) for shard in out)  # a chapter's partition on each topic


def test_different_partition_counts_or_too_few_partitions_keep_one_process() -> None:
    uneven = {"referrals": 4, "meetings": 3}  # a chapter's events would sit at different numbers
    assert shards(_parts(uneven), uneven, 2) == [_parts(uneven)]
    few = {"referrals": 1, "meetings": 1}
    assert shards(_parts(few), few, 2) == [_parts(few)]
    assert shards(_parts({"referrals": 4}), {"referrals": 4}, 1) == [_parts({"referrals": 4})]
