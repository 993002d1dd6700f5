import pickle
from dataclasses import FrozenInstanceError, dataclass, field, fields, replace

import pytest

from touchpoints.rules.frozen_values import TWIN_FROM_FIELDS, fast_frozen_init


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


@fast_frozen_init
@dataclass(frozen=True, slots=True)
class Wide:  # filled as its mutable twin (TWIN_FROM_FIELDS fields or more)
    a: str
    b: str
    c: str
    d: str
    e: str
    f: str | None = None
    g: int = 0


@dataclass(frozen=True, slots=True)
class PlainWide:
    a: str
    b: str
    c: str
    d: str
    e: str
    f: str | None = None
    g: int = 0


def test_a_wide_value_is_its_own_class_again_with_every_field_and_default():
    value = Wide("1", "2", "3", "4", "5", g=7)
    assert len(fields(Wide)) >= TWIN_FROM_FIELDS

    assert type(value) is Wide
    assert (value.a, value.e, value.f, value.g) == ("1", "5", None, 7)
    assert value == Wide("1", "2", "3", "4", "5", None, 7)
    assert hash(value) == hash(Wide("1", "2", "3", "4", "5", None, 7))
    assert repr(value) == repr(PlainWide("1", "2", "3", "4", "5", g=7)).replace("PlainWide", "Wide")
    with pytest.raises(FrozenInstanceError):
        value.a = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        Wide("1", "2")  # type: ignore[call-arg]
    assert replace(value, g=8) == Wide("1", "2", "3", "4", "5", None, 8)
    assert pickle.loads(pickle.dumps(value)) == value


def test_a_wide_value_with_a_dataclass_base_is_filled_through_its_slots():
    @dataclass(frozen=True, slots=True)
    class Base:
        a: str

    @fast_frozen_init
    @dataclass(frozen=True, slots=True)
    class Derived(Base):
        b: str
        c: str
        d: str
        e: str
        f: str
        g: str

    value = Derived(*"abcdefg")

    assert type(value) is Derived
    assert (value.a, value.g) == ("a", "g")
    with pytest.raises(FrozenInstanceError):
        value.b = "x"  # type: ignore[misc]
