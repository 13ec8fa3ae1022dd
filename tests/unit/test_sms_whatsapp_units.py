"""SMS text planning (GSM 03.38, Turkish table, UCS-2), the provider entries of the stores file,
and the runnable examples of the SMS/WhatsApp modules."""

from __future__ import annotations

import doctest
import importlib

import pytest

from flows.channels.sms_text import plan
from nudges.stores import StoreRegistry, StoresFileError

MODULES = [
    "flows.channels.sms_text", "flows.channels.provider_api", "flows.channels.sms_mobildev",
    "flows.channels.whatsapp_cloud", "flows.channels.store_providers", "nudges.flow_providers",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0 and result.attempted > 0


@pytest.mark.parametrize(("text", "encoding", "parts"), [
    ("a" * 160, "gsm7", 1), ("a" * 161, "gsm7", 2), ("a" * 306, "gsm7", 2), ("a" * 307, "gsm7", 3),
    ("ş" * 155, "turkish", 1), ("ş" * 156, "turkish", 2), ("ş" * 298, "turkish", 2), ("ş" * 299, "turkish", 3),
    ("ü" * 160, "gsm7", 1),  # ü, ö, Ç are in the default alphabet: no Turkish table needed
    ("€" * 80, "gsm7", 1), ("€" * 81, "gsm7", 2),  # two septets each
    ("🙂" * 35, "ucs2", 1), ("🙂" * 36, "ucs2", 2),  # outside the BMP: two UTF-16 units each
    ("ж" * 70, "ucs2", 1), ("ж" * 71, "ucs2", 2), ("ж" * 134, "ucs2", 2), ("ж" * 135, "ucs2", 3),
])
def test_parts_follow_the_published_size_table(text: str, encoding: str, parts: int) -> None:
    """Verimor's table (1 part: 160 / 155 / 70; 2 parts: 306 / 298 / 134; 3 parts from 307 / 299 / 135)."""
    p = plan(text)
    assert (p.encoding, p.parts) == (encoding, parts)


def test_typographic_punctuation_does_not_force_ucs2() -> None:
    """A curly apostrophe would cost a 70-character part; the plain one keeps 155."""
    text = "Ayşe’nin sepeti – “son gün” indirimi…"
    assert plan(text).encoding == "turkish"
    assert plan(text).text == "Ayşe'nin sepeti - \"son gün\" indirimi..."


STORE = """
stores:
  - id: shop
    write_key: wk_shop_0001
    secret_key: sk_shop_0001
    allowed_origins: [https://shop.example]
    flows:
      enabled: true
      {entry}
"""


@pytest.mark.parametrize(("entry", "field"), [
    ("sms: {provider: smsfoo}", "$.stores[0].flows.sms.provider"),
    ("sms: {provider: netgsm, password: x, header: SHOP}", "$.stores[0].flows.sms"),  # usercode missing
    ("sms: {provider: verimor, username: '9085', password: x, source_addr: WAY_TOO_LONG_ID}", "$.stores[0].flows.sms.source_addr"),
    ("sms: {provider: mobildev, username: u, password: 'env:CARTCOACH_TEST_UNSET_PW', originator: SHOP}", "$.stores[0].flows.sms.password"),
    ("whatsapp: {provider: cloud, phone_number_id: 'abc', access_token: t, template_name: cart}", "$.stores[0].flows.whatsapp.phone_number_id"),
    ("whatsapp: {provider: ultramsg, instance_id: i1, token: t, base_url: 'ftp://x'}", "$.stores[0].flows.whatsapp.base_url"),
    ("whatsapp: {provider: netgsm, usercode: u, password: p, header: SHOP}", "$.stores[0].flows.whatsapp.provider"),
])
def test_a_wrong_provider_entry_stops_the_start_naming_the_field(entry: str, field: str) -> None:
    with pytest.raises(StoresFileError) as caught:
        StoreRegistry.from_yaml_text(STORE.format(entry=entry))
    assert field in str(caught.value)


def test_credentials_may_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARTCOACH_TEST_NETGSM_PW", "s3cret")
    registry = StoreRegistry.from_yaml_text(STORE.format(
        entry="sms: {provider: netgsm, usercode: '850', password: 'env:CARTCOACH_TEST_NETGSM_PW', header: SHOP}"))
    assert registry.by_id("shop").flows.sms.header == "SHOP"
