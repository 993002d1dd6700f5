from dataclasses import FrozenInstanceError, dataclass, field

import pytest

from touchpoints.rules.frozen_values import fast_frozen_init


@dataclass(frozen=True, slots=True)
class Plain:
    name: str
    count: int = 0
    note: str | None = None


@fast_frozen_init
@dataclass(frozen=True, slots=True)
class Fast:
    name: str
    count: int = 0
    note: str | None = None


def test_a_value_built_fast_has_the_fields_and_defaults_the_dataclass_gives():
    assert [Fast("a"), Fast("a", 2), Fast(name="a", note="n")] == [
        Fast("a", 0, None),
        Fast(name="a", count=2),
        Fast("a", 0, "n"),
    ]
    assert (Fast("a", 2).name, Fast("a", 2).count, Fast("a", 2).note) == ("a", 2, None)
    assert repr(Fast("a")) == repr(Plain("a")).replace("Plain", "Fast")
    assert hash(Fast("a", 1)) == hash(Fast("a", 1))


def test_a_value_built_fast_stays_frozen():
    value = Fast("a")
    with pytest.raises(FrozenInstanceError):
        value.name = "b"  # type: ignore[misc]


def test_a_value_built_fast_refuses_wrong_arguments_as_the_dataclass_does():
    with pytest.raises(TypeError):
        Fast()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Fast("a", 1, None, "extra")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Fast("a", nothing=1)  # type: ignore[call-arg]


def test_only_plain_frozen_slotted_dataclasses_are_remade():
    @dataclass(slots=True)
    class Mutable:
        name: str

    @dataclass(frozen=True)
    class Unslotted:
        name: str

    @dataclass(frozen=True, slots=True)
    class WithFactory:
        names: list[str] = field(default_factory=list)

    for cls in (Mutable, Unslotted, WithFactory):
        with pytest.raises(TypeError):
            fast_frozen_init(cls)
