"""The `mailsec` command line: a thin layer over the core modules.

Each command lives in its own module with `register()` (its arguments) and `run()` (its work). Modules
import heavy libraries (cryptography, dnspython, requests) inside `run()`, so that a command starts as
fast as the libraries it really uses allow.
"""
