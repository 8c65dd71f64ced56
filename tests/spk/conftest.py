import pytest

from tests.spk.builds import build


@pytest.fixture(scope="session")
def packages(tmp_path_factory):
    """The x86_64 and armv8 packages of the current tree, by family."""
    return build(tmp_path_factory.getbasetemp() / "dist")
