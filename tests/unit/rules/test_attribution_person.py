from datetime import UTC, datetime
from decimal import Decimal

from touchpoints.rules.attribution import PathTouchpoint
from touchpoints.rules.attribution_person import attribute_person


def on(month: int, day: int) -> datetime:
    return datetime(2026, month, day, tzinfo=UTC)


def touchpoint(key: str, month: int, day: int) -> PathTouchpoint:
    return PathTouchpoint(key, on(month, day), campaign_id=f"701{key}")


def rows_by_key(touchpoints, created_at):
    return {
        row.key: (row.position, row.first_touch, row.lead_creation, row.u_shaped)
        for row in attribute_person(touchpoints, created_at)
    }


def test_three_touchpoints_ft_lc_between_and_one_after_lead_creation():
    """FT on the first, LC the latest at or before creation, the one between gets the U's 20,
    the one after creation gets nothing."""
    path = [
        touchpoint("late", 3, 1),
        touchpoint("first", 1, 10),
        touchpoint("between", 2, 1),
        touchpoint("created", 2, 15),
    ]
    assert rows_by_key(path, created_at=on(2, 15)) == {
        "first": ("FT", Decimal(100), Decimal(0), Decimal(40)),
        "between": (None, Decimal(0), Decimal(0), Decimal(20)),
        "created": ("LC", Decimal(0), Decimal(100), Decimal(40)),
        "late": (None, Decimal(0), Decimal(0), Decimal(0)),
    }


def test_nothing_between_first_touch_and_lead_creation_splits_the_u_fifty_fifty():
    path = [touchpoint("first", 1, 10), touchpoint("created", 2, 1), touchpoint("late", 3, 1)]
    rows = rows_by_key(path, created_at=on(2, 3))
    assert [rows[key][3] for key in ("first", "created", "late")] == [50, 50, 0]


def test_a_person_created_at_their_first_touch_holds_ft_lc_and_the_whole_u():
    path = [touchpoint("first", 1, 10), touchpoint("late", 3, 1)]
    rows = rows_by_key(path, created_at=on(1, 20))
    assert rows["first"] == ("FT, LC", Decimal(100), Decimal(100), Decimal(100))
    assert rows["late"] == (None, Decimal(0), Decimal(0), Decimal(0))


def test_a_person_who_existed_before_any_touchpoint_has_no_lead_creation():
    path = [touchpoint("first", 1, 10), touchpoint("later", 3, 1)]
    rows = rows_by_key(path, created_at=on(1, 1))
    assert rows["first"] == ("FT", Decimal(100), Decimal(0), Decimal(100))
    assert rows["later"] == (None, Decimal(0), Decimal(0), Decimal(0))


def test_the_u_share_between_is_rounded_with_the_remainder_on_the_earliest():
    path = [touchpoint(key, 1, day) for key, day in zip("abcde", (1, 2, 3, 4, 5), strict=True)]
    rows = rows_by_key(path, created_at=on(1, 5))
    assert [rows[key][3] for key in "abcde"] == [
        Decimal(40),
        Decimal("6.67"),
        Decimal("6.67"),
        Decimal("6.66"),
        Decimal(40),
    ]


def test_touchpoints_of_the_same_moment_run_in_key_order():
    path = [touchpoint("b", 1, 10), touchpoint("a", 1, 10)]
    assert rows_by_key(path, created_at=on(1, 10))["a"][0] == "FT"
    assert rows_by_key(path, created_at=on(1, 10))["b"][0] == "LC"


def test_a_person_without_touchpoints_has_no_attribution():
    assert attribute_person([], created_at=on(1, 1)) == []
