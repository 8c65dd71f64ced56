"""A power cut while refresh writes leaves the old policy (or the old state) whole, and the next run repairs.

The run happens in a child process whose `os.replace` ends the process at the moment the new file would
take the old one's place: the new bytes are written and flushed, the rename never happens.
"""

import subprocess
import sys
from dataclasses import replace

import pytest

from mailsec.mtasts.policy import parse_policy
from mailsec.mtasts.publish import policy_file
from mailsec.refresh.state import STATE_FILE
from mailsec.settings import update_settings
from tests.refresh.conftest import run_job

POWER_CUT = 137
CRASHING_RUN = f"""
import os, sys
real_replace = os.replace

def power_cut(source, target):
    if target.endswith(sys.argv[2]):
        os._exit({POWER_CUT})
    return real_replace(source, target)

os.replace = power_cut
from mailsec.cli.main import main
sys.exit(main(["--root", sys.argv[1], "refresh"]))
"""


@pytest.mark.parametrize("crashing_file", ["mta-sts.txt", STATE_FILE])
def test_a_crash_mid_write_keeps_the_old_file(demo, resolver, crashing_file):
    run_job(demo.layout, resolver)
    policy, state = policy_file(demo.layout.web_share), demo.layout.state_dir() / STATE_FILE
    before = {policy: policy.read_bytes(), state: state.read_bytes()}
    update_settings(demo.layout.state_dir(), lambda s: s.with_domain(replace(s.domains[0], mode="enforce")))
    result = subprocess.run([sys.executable, "-c", CRASHING_RUN, str(demo.layout.root), crashing_file],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == POWER_CUT, result.stderr
    crashed = policy if crashing_file == "mta-sts.txt" else state
    assert crashed.read_bytes() == before[crashed]
    assert parse_policy(policy.read_bytes()).valid
    after = run_job(demo.layout, resolver)
    assert "mode: enforce" in policy.read_text()
    assert after.state.policy_id == after.policy.policy.policy_id
