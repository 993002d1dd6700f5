import gc

from touchpoints.edge.handler import YOUNG_COLLECTION_THRESHOLD, settle_heap


def _collected(value: object) -> bool:
    """The cycle collector still walks `value` (it is in one of its generations, not frozen)."""
    return any(
        tracked is value for generation in range(3) for tracked in gc.get_objects(generation)
    )


def test_the_first_invocation_freezes_what_initialisation_built_and_collects_less_often():
    settle_heap.cache_clear()
    older = gc.get_threshold()[1:]
    gc.unfreeze()
    gc.set_threshold(2_000, *older)
    built_at_init = [object()]

    settle_heap()
    built_by_a_run = [object()]
    settle_heap()  # later invocations change nothing

    assert not _collected(built_at_init)
    assert _collected(built_by_a_run)
    assert gc.get_threshold() == (YOUNG_COLLECTION_THRESHOLD, *older)
