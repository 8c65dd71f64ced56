"""The Task Scheduler task that runs `mailsec refresh` as root: the one step a DSM 7 package cannot take.

Only root reads DSM's certificate store, packages run unprivileged, and DSM has no certificate-renewal
event, so the owner creates this task once: a daily run catches renewals within a day, a boot-up run
catches anything that changed while the NAS was off. The installer's message, the README and the app
all show this description.
"""

from dataclasses import asdict, dataclass
from typing import Dict

from mailsec.nas import NasLayout

TASK_NAME = "mailsec refresh"
TASK_USER = "root"
DAILY_AT = "04:30"  # any quiet time; DSM renews certificates on its own schedule


@dataclass(frozen=True)
class ScheduledTask:
    name: str
    user: str
    command: str
    daily_at: str

    def to_dict(self) -> Dict[str, str]:
        return asdict(self)

    def describe(self) -> str:
        return "\n".join([
            "Create this task once, so that mailsec keeps the DANE records and the MTA-STS policy right after "
            "every certificate renewal (only root may read DSM's certificates):",
            "  Control Panel > Task Scheduler > Create > Scheduled Task > User-defined script",
            f"    General:   Task: {self.name}   User: {self.user}   Enabled",
            f"    Schedule:  Run on the following days: Daily   First run time: {self.daily_at}",
            f"    Task Settings:  User-defined script: {self.command}",
            "                    Send run details by email: only when the script terminates abnormally",
            "  Then create it once more as Create > Triggered Task > User-defined script, "
            f"Event: Boot-up, User: {self.user}, same script.",
        ])


def refresh_task(layout: NasLayout) -> ScheduledTask:
    return ScheduledTask(TASK_NAME, TASK_USER, f"{layout.launcher} refresh", DAILY_AT)
