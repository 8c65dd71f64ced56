"""The scheduled refresh: keeps the DANE records and the MTA-STS policy right across certificate renewals.

`job` runs it; `plan`, `observe`, `compare` and `apply` are its phases; `state` is what it remembers and
what the desktop app shows; `alert` decides what the owner is told; `schedule` is the Task Scheduler
task that runs it as root.
"""
