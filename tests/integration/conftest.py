import pytest
from moto import mock_aws

from emulators.world import World


@pytest.fixture
def world():
    with mock_aws():
        yield World.create()
