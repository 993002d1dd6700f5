"""The fakes' conformance module (checked by mypy in `make typecheck`) also runs, so a fake whose
constructor changes is caught where the fakes are built as the services' tests build them."""

from tests.fakes.conformance import fakes_keep_their_ports


def test_every_fake_is_built_as_its_port_expects():
    fakes_keep_their_ports()
