"""Real servers on loopback for the integration tests: BIND 9, Unbound, nginx, Postfix and Dovecot."""
