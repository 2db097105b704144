import pytest

from tests.faults.services import reminder_counts

pytestmark = pytest.mark.faults


def test_rig(rig):
    assert rig.procs.scenario("reminders", "5").strip() == "5"
    assert reminder_counts(rig.pg) == {"planned": 5}
