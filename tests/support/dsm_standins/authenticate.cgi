#!/bin/sh
# STAND-IN for DSM's /usr/syno/synoman/webman/modules/authenticate.cgi, for tests only.
# Like the real one it reads the request from its environment and prints the signed-in user or nothing.
# Its sessions: the cookie `id=<user>-session` belongs to <user>, whose SynoToken is `<user>-token`.
# Without a token it prints the JSON error DSM has been seen to print (code 119).
user=$(printf '%s' "${HTTP_COOKIE:-}" | tr ';' '\n' | sed -n 's/^ *id=\([a-z]*\)-session$/\1/p' | head -n 1)
token=${HTTP_X_SYNO_TOKEN:-$(printf '%s' "${QUERY_STRING:-}" | tr '&' '\n' | sed -n 's/^SynoToken=//p' | head -n 1)}
if [ -z "$token" ]; then
    printf '{"error":{"code":119},"success":false}\n'
    exit 0
fi
if [ -n "$user" ] && [ "$token" = "$user-token" ]; then
    printf '%s\n' "$user"
fi
exit 0
