"""The rebuild's batch decoder gives exactly what the careful per-record path gives, poison included."""

from __future__ import annotations

import json

from aiokafka.structs import ConsumerRecord

from bench.referrals_rebuild import record
from services.referrals.adapters.kafka_facts import decode_records, fast_fact
from shared.contracts import members as m

REFERRAL = {"chapter_id": "c1", "referral_id": "r1", "giver_id": "a", "receiver_id": "b", "referral_type": "outside",
            "temperature": 3, "prospect": {"key_id": "k", "nonce": "bm9uY2U=", "ciphertext": "c2VhbGVk"},
            "occurred_on": "2024-01-03"}


def _record(offset: int, value: bytes | None, headers: list[tuple[str, bytes]]) -> ConsumerRecord:
    return ConsumerRecord("t", 0, offset, 0, 0, b"c1", value, None, 0, len(value or b""), headers)


def _variants() -> list[ConsumerRecord]:
    _key, value, headers = record(7, m.ReferralGiven.type_name(), REFERRAL)
    without = [(k, v) for k, v in headers if k != "ce_sequence"]
    retyped = [(k, b"org.refnet.members.referral-given.v9" if k == "ce_type" else v) for k, v in headers]
    unknown = [(k, b"org.example.other.v1" if k == "ce_type" else v) for k, v in headers]
    bad_seq = [(k, b"seven" if k == "ce_sequence" else v) for k, v in headers]
    bad_time = [(k, b"\xff\xfe" if k == "ce_time" else v) for k, v in headers]
    bodies = [value, value + b"  ", b" " + value, json.dumps(REFERRAL, indent=2).encode(), b"[1, 2]", b"not json",
              b"{}", value[:-1], b"", None, b"\xff" + value, json.dumps({**REFERRAL, "note": "caf\u00e9"}).encode(),
              json.dumps({**REFERRAL, "note": "caf\u00e9"}, ensure_ascii=False).encode(), b'{"a":1}{"b":2}',
              # where the fast parser is stricter than json.loads (which reads these): the careful path
              b"\xef\xbb\xbf" + value, value[:-1] + b',"note":"\\ud800"}', value[:-1] + b',"note":"\xed\xa0\x80"}',
              value.decode().encode("utf-16"), value[:-1] + b',"big":123456789012345678901234567890,"inf":Infinity}',
              value[:-1] + b',"giver_id":"twice"}', value[:-1] + b',"note":"tab\there"}', value + b"\x00"]
    out = [_record(i, body, headers) for i, body in enumerate(bodies)]
    out += [_record(100 + i, value, h) for i, h in enumerate([without, retyped, unknown, bad_seq, bad_time, []])]
    return out


def test_batch_decoding_equals_the_careful_path() -> None:
    records = _variants()
    expected = [fact for r in records if (fact := fast_fact(r.headers, r.value)) is not None]
    got = decode_records(records)
    assert [(f.kind, f.data, f.sequence, f.time, f.chapter_id) for f in got] == \
        [(f.kind, f.data, f.sequence, f.time, f.chapter_id) for f in expected]
    assert len(got) >= 5  # the readable variants made it
