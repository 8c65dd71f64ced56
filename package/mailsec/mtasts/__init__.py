"""MTA-STS (RFC 8461): the policy model, its strict parser, mx pattern matching and publishing."""
