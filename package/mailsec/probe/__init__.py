"""Live probes: the SMTP dialogue with an MX address and the HTTPS fetch of an MTA-STS policy.

Probes only observe and record facts (what the server said, what it presented, what failed and why);
judging those facts is the checks' job.
"""
