"""A webhook subscription's share of the dispatcher: a few deliveries in flight, the rest waiting in claim
order, and its failed attempts recorded one at a time (one pooled connection, however many fail together),
while another subscription's are recorded alongside."""

from __future__ import annotations

import asyncio

from services.notifications.service_layer.subscription_slots import SubscriptionSlots


def hook(subscription: str, n: int) -> dict[str, object]:
    return {"channel": "webhook", "recipient": subscription, "n": n}


def test_a_subscription_holds_at_most_its_limit_and_the_next_waits_in_claim_order() -> None:
    slots = SubscriptionSlots(2)
    dead = [hook("dead", n) for n in range(4)]
    assert [slots.admit(d) for d in dead] == [True, True, False, False]
    assert slots.admit(hook("live", 0)) and slots.admit({"channel": "email", "recipient": "ann"})
    assert slots.full() == ["dead"]
    assert slots.release(dead[0]) is dead[2] and slots.release(dead[1]) is dead[3]
    assert slots.release(dead[2]) is None and slots.in_flight("dead") == 1


async def test_failures_of_one_subscription_are_recorded_one_at_a_time_others_alongside() -> None:
    slots = SubscriptionSlots(8)
    inside: dict[str, int] = {"dead": 0, "slow": 0}
    most: dict[str, int] = {"dead": 0, "slow": 0}
    both_at_once = False

    async def record(subscription: str) -> None:
        nonlocal both_at_once
        async with slots.recording(subscription):
            inside[subscription] += 1
            most[subscription] = max(most[subscription], inside[subscription])
            both_at_once = both_at_once or all(inside.values())
            await asyncio.sleep(0)
            inside[subscription] -= 1

    await asyncio.gather(*(record(s) for _ in range(8) for s in ("dead", "slow")))
    assert most == {"dead": 1, "slow": 1} and both_at_once
