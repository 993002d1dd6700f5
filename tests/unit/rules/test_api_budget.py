from hypothesis import given
from hypothesis import strategies as st

from touchpoints.rules.api_budget import SPENT, ApiBudget


def test_remaining_percent_is_the_share_left_of_the_days_allocation():
    assert ApiBudget(limit=100_000, remaining=19_999).remaining_percent == 20.0  # rounded
    assert ApiBudget(limit=100_000, remaining=15_000).remaining_percent == 15.0
    assert ApiBudget(limit=3, remaining=1).remaining_percent == 33.33


def test_a_spent_or_empty_allocation_has_nothing_left():
    assert SPENT.remaining_percent == 0.0
    assert ApiBudget(limit=0, remaining=5).remaining_percent == 0.0


@given(st.integers(min_value=-10, max_value=10**7), st.integers(min_value=-10, max_value=10**7))
def test_remaining_percent_stays_between_0_and_100(limit, remaining):
    assert 0.0 <= ApiBudget(limit, remaining).remaining_percent <= 100.0
