from touchpoints.rules.attribution_changes import attribution_changes


def test_only_new_and_different_values_are_written_and_unwanted_ones_deleted():
    changes = attribution_changes(
        {"same": 1, "moved": 2, "new": 3},
        {"same": 1, "moved": 9, "gone": 4, "also gone": 5},
    )
    assert changes.write == {"moved": 2, "new": 3}
    assert changes.delete == ("also gone", "gone")


def test_applying_the_changes_leaves_nothing_to_change():
    desired, held = {"a": 1, "b": 2}, {"b": 3, "c": 4}
    changes = attribution_changes(desired, held)
    after = {k: v for k, v in held.items() if k not in changes.delete} | changes.write
    assert attribution_changes(desired, after).write == {}
    assert attribution_changes(desired, after).delete == ()
