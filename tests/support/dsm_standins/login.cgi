#!/bin/sh
# STAND-IN for DSM's /usr/syno/synoman/webman/login.cgi, for tests only: for the session cookie
# `id=<user>-session` it prints CGI headers and the JSON with that session's SynoToken `<user>-token`,
# and, like the real one is reported to, exits 255 after a good answer.
user=$(printf '%s' "${HTTP_COOKIE:-}" | tr ';' '\n' | sed -n 's/^ *id=\([a-z]*\)-session$/\1/p' | head -n 1)
printf 'Content-Type: application/json; charset="UTF-8"\r\n\r\n'
if [ -n "$user" ]; then
    printf '{"SynoToken":"%s-token","result":"success","success":true}\n' "$user"
else
    printf '{"error":{"code":105},"success":false}\n'
fi
exit 255
