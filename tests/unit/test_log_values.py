from touchpoints.log_values import LOG_VALUE_LIMIT, clip


def test_a_short_value_is_logged_whole():
    assert clip("7015w000000XXXXAA4") == "7015w000000XXXXAA4"


def test_a_long_value_is_cut_and_says_how_much_was_left_out():
    clipped = clip("Z" * 900_000)
    assert clipped == "Z" * LOG_VALUE_LIMIT + f"…(+{900_000 - LOG_VALUE_LIMIT} chars)"


def test_a_value_that_is_not_text_is_logged_as_its_repr():
    assert clip(None) == "None"
