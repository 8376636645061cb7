#!/usr/bin/python3
"""A real SMTP server for integration tests (aiosmtpd, Debian's python3-aiosmtpd).

Listens on 127.0.0.1 on a kernel-chosen port, written to <dir>/port once
accepting. Each received message becomes <dir>/msg-NNNN.eml (the DATA bytes)
and <dir>/msg-NNNN.json (envelope and session facts). Options: plain,
STARTTLS (required) or implicit TLS with the given cert/key, and AUTH
(PLAIN/LOGIN) against one user. Stops on SIGTERM.
"""
import argparse
import asyncio
import json
import os
import signal
import ssl

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def write_atomic(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, path)


class Handler:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.directory, "msg-%04d" % self.count)
        login = None
        if isinstance(session.auth_data, LoginPassword):
            login = session.auth_data.login.decode()
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            # session.ssl is only set after STARTTLS; implicit TLS shows on the transport.
            "tls": session.ssl is not None
                   or server.transport.get_extra_info("ssl_object") is not None,
            "authenticated": bool(session.authenticated),
            "login": login,
        }
        # Metadata first: a test waits for the .eml and then reads both.
        write_atomic(base + ".json", json.dumps(meta).encode())
        content = envelope.content
        if isinstance(content, str):
            content = content.encode()
        write_atomic(base + ".eml", content)
        return "250 OK queued as msg-%04d" % self.count


def make_authenticator(user, password):
    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == user.encode()
              and auth_data.password == password.encode())
        if not ok:
            # handled=False: aiosmtpd itself answers "535 credentials invalid".
            return AuthResult(success=False, handled=False)
        return AuthResult(success=True, auth_data=auth_data)
    return authenticate


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--tls", choices=["none", "starttls", "implicit"], default="none")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--auth", help="user:password; AUTH is then required")
    p.add_argument("--auth-allow-plaintext", action="store_true")
    a = p.parse_args()

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    ctx = None
    if a.tls != "none":
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert, a.key)
    kwargs = {"hostname": "localhost", "auth_require_tls": not a.auth_allow_plaintext}
    if a.tls == "starttls":
        kwargs["tls_context"] = ctx
        kwargs["require_starttls"] = True
    if a.auth:
        user, _, password = a.auth.partition(":")
        kwargs["authenticator"] = make_authenticator(user, password)
        kwargs["auth_required"] = True
    handler = Handler(a.dir)
    server = loop.run_until_complete(loop.create_server(
        lambda: SMTP(handler, loop=loop, **kwargs), host="127.0.0.1", port=0,
        ssl=ctx if a.tls == "implicit" else None))
    port = server.sockets[0].getsockname()[1]
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    write_atomic(os.path.join(a.dir, "port"), str(port).encode())
    loop.run_forever()
    server.close()


if __name__ == "__main__":
    main()
