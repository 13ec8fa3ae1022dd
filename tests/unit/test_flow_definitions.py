"""The stores file's ``flows:`` section: defaults for both plans, and mistakes named by field."""

from __future__ import annotations

import pytest

from nudges.stores import StoreRegistry, StoresFileError

HEAD = """
stores:
  - id: shop
    write_key: wk_shop_0001
    secret_key: sk_shop_0001
    allowed_origins: []
"""


def load(flows: str) -> StoreRegistry:
    return StoreRegistry.from_yaml_text(HEAD + "    flows:\n" + flows, "stores.yaml")


def test_a_store_without_flows_gets_both_default_plans_switched_off() -> None:
    flows = StoreRegistry.from_yaml_text(HEAD).by_id("shop").flows
    assert not flows.enabled
    onsite, email = flows.definitions
    assert [(s.delay_min, s.template) for s in onsite.steps] == [
        (10, "light_reminder"), (120, "reason_nudge"), (1440, "last_offer")]
    assert [(s.delay_min, s.channel) for s in email.steps] == [(60, "email"), (1440, "email"), (2880, "email")]
    assert onsite.priority > email.priority
    assert flows.caps["email"].per_hours == 16 and flows.caps["sms"].per_hours == 24
    assert flows.quiet_hours["sms"].start == "21:00"
    # One plan per shopper: three touches a day, page nudges included; a tenth in the flow holdout.
    assert (flows.caps["all"].max, flows.caps["all"].per_hours, flows.holdout) == (3, 24, 0.10)
    assert flows.time_zone == "Europe/Istanbul"


@pytest.mark.parametrize(
    ("flows", "field"),
    [
        ("      definitions: [{name: a, steps: [{delay_min: 10, channel: fax, template: reason_nudge}]}]",
         "$.stores[0].flows.definitions[0].steps[0].channel"),
        ("      definitions: [{name: a, steps: [{delay_min: 0, channel: email, template: reason_nudge}]}]",
         "$.stores[0].flows.definitions[0].steps[0].delay_min"),
        ("      definitions: [{name: a, steps: [{delay_min: 60, channel: email, template: x}]}]",
         "$.stores[0].flows.definitions[0].steps[0].template"),
        ("      definitions: [{name: a, steps: [{delay_min: 60, channel: email, template: reason_nudge},"
         " {delay_min: 30, channel: email, template: last_offer}]}]",
         "$.stores[0].flows.definitions[0].steps[1].delay_min"),
        ("      definitions: [{name: a, steps: [{delay_min: 60, channel: sms, fallback: sms, template: reason_nudge}]}]",
         "$.stores[0].flows.definitions[0].steps[0].fallback"),
        ("      definitions: [{name: a, steps: [{delay_min: 60, channel: sms, template: reason_nudge, incentive: offer}]}]",
         "$.stores[0].flows.definitions[0].steps[0].incentive"),
        ("      definitions: [{name: a, steps: [{delay_min: 6, channel: sms, template: reason_nudge}]},"
         " {name: a, steps: [{delay_min: 6, channel: sms, template: reason_nudge}]}]",
         "$.stores[0].flows.definitions[1].name"),
        ("      quiet_hours: {sms: {start: '25:00', end: '09:00'}}", "$.stores[0].flows.quiet_hours"),
        ("      caps: {email: {max: 1, per_hours: 0}}", "$.stores[0].flows.caps"),
        ("      retention_days: 0", "$.stores[0].flows.retention_days"),
        ("      holdout: 0.9", "$.stores[0].flows.holdout"),
        ("      time_zone: Mars/Olympus", "$.stores[0].flows.time_zone"),
        ("      caps: {page: {max: 1, per_hours: 24}}", "$.stores[0].flows.caps"),
        ("      delay: 5", "$.stores[0].flows"),
    ],
)
def test_a_bad_flow_definition_names_its_field(flows: str, field: str) -> None:
    with pytest.raises(StoresFileError) as error:
        load(flows)
    assert field in str(error.value), str(error.value)
