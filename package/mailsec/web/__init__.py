"""The DSM desktop app: a Flask application behind DSM's login, served three ways.

- `cgi`: the program DSM's web server runs for each click (`ui/index.cgi`). It is a small relay that
  imports only the standard library and hands the request to the resident backend, or serves it itself
  when no backend is listening.
- `backend`: the resident process the package's start-stop script runs as the package user, so that Flask
  and the certificate libraries are imported once instead of on every click.
- `devserver`: `make run`, on 127.0.0.1 only, in a clearly labelled development mode without DSM login.

`app.create_app()` builds the application; `views` holds one blueprint per page group. This package's
`__init__` imports nothing, so that the relay stays cheap to start.
"""
