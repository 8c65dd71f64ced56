#!/bin/sh
# DSM's web server runs this for every request to /webman/3rdparty/mailsec/index.cgi/... as a CGI.
# mailsec.web.cgi relays the request to the resident backend over the socket in the package's var
# folder, or serves it itself while the backend is down. DSM names that folder only for package
# scripts, so it is given here; bin/mailsec-python puts mailsec and its libraries on the module path.
package=/var/packages/mailsec
SYNOPKG_PKGVAR="$package/var"
PATH=/bin:/sbin:/usr/bin:/usr/sbin:/usr/syno/bin:/usr/syno/sbin
export SYNOPKG_PKGVAR PATH
exec "$package/target/bin/mailsec-python" -m mailsec.web.cgi
