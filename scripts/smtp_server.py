#!/usr/bin/python3
"""A small SMTP relay for spr-console's tests (tests/smtp.rs).

Needs aiosmtpd for the system Python:
    apt-get update && apt-get install -y python3-aiosmtpd
(or `pip install aiosmtpd`); run it with /usr/bin/python3.

Modes:
  plain     SMTP without TLS
  starttls  SMTP that offers STARTTLS (needs --tls-cert/--tls-key); AUTH only after STARTTLS
  tls       implicit TLS from the first byte (needs --tls-cert/--tls-key)
  silent    accepts TCP connections and never answers (a hung relay)

Each received message is written to --maildir as <n>.eml (the raw bytes as received) and
<n>.rcpt (the envelope recipients, one a line); <n>.from holds the envelope sender.
Recipients at the domain rejected.test are refused with 550.
Once listening it prints "READY <port>" on stdout; --port 0 picks a free port, so tests
need not guess one.
"""

import argparse
import asyncio
import os
import ssl
import sys

try:
    from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
except ImportError:
    sys.stderr.write(
        "aiosmtpd is not installed: apt-get install -y python3-aiosmtpd "
        "(or pip install aiosmtpd)\n"
    )
    sys.exit(3)

ALL_MECHANISMS = ("PLAIN", "LOGIN")


class MaildirHandler:
    """Writes every message and its envelope to a directory."""

    def __init__(self, maildir):
        self.maildir = maildir
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        # Lets tests see how a refused recipient is reported.
        if address.lower().endswith("@rejected.test"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.maildir, str(self.count))
        write_atomically(base + ".from", (envelope.mail_from or "").encode())
        write_atomically(base + ".rcpt", "\n".join(envelope.rcpt_tos).encode())
        # The .eml comes last: a test that sees it also sees the envelope files.
        write_atomically(base + ".eml", envelope.original_content or b"")
        return "250 OK message accepted as " + str(self.count)


def write_atomically(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


class Authenticator:
    """Accepts exactly one login and password."""

    def __init__(self, login, password):
        self.login = login.encode()
        self.password = password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        if (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == self.login
            and auth_data.password == self.password
        ):
            return AuthResult(success=True)
        # handled=False makes aiosmtpd answer 535; handled=True would leave the client
        # waiting for an answer that never comes.
        return AuthResult(success=False, handled=False)


def tls_context(args):
    if not (args.tls_cert and args.tls_key):
        sys.exit("--mode " + args.mode + " needs --tls-cert and --tls-key")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(args.tls_cert, args.tls_key)
    return context


async def silent(reader, writer):
    # Hold the connection open and read until the client gives up.
    try:
        while await reader.read(4096):
            pass
    finally:
        writer.close()


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--maildir")
    parser.add_argument("--mode", choices=("plain", "starttls", "tls", "silent"), default="plain")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--auth", metavar="USER:PASS", help="require AUTH with this login")
    parser.add_argument(
        "--auth-mechanisms",
        default="PLAIN,LOGIN",
        help="comma-separated mechanisms to offer (PLAIN, LOGIN)",
    )
    args = parser.parse_args()

    if args.mode == "silent":
        server = await asyncio.start_server(silent, args.host, args.port)
    else:
        if not args.maildir:
            sys.exit("--maildir is needed")
        os.makedirs(args.maildir, exist_ok=True)
        handler = MaildirHandler(args.maildir)
        context = tls_context(args) if args.mode in ("starttls", "tls") else None
        offered = {m.strip().upper() for m in args.auth_mechanisms.split(",") if m.strip()}
        smtp_kwargs = {
            "hostname": "relay.test",
            "auth_exclude_mechanism": [m for m in ALL_MECHANISMS if m not in offered],
        }
        if args.auth:
            login, sep, password = args.auth.partition(":")
            if not sep:
                sys.exit("--auth wants USER:PASS")
            smtp_kwargs["authenticator"] = Authenticator(login, password)
            smtp_kwargs["auth_required"] = True
        if args.mode == "starttls":
            smtp_kwargs["tls_context"] = context
            smtp_kwargs["require_starttls"] = True
            smtp_kwargs["auth_require_tls"] = True
        else:
            # Plain mode has no TLS to wait for, and in implicit-TLS mode aiosmtpd does not
            # know the socket is already encrypted: either way AUTH must be offered as is.
            smtp_kwargs["auth_require_tls"] = False
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: SMTP(handler, loop=loop, **smtp_kwargs),
            args.host,
            args.port,
            ssl=context if args.mode == "tls" else None,
        )

    port = server.sockets[0].getsockname()[1]
    print("READY", port, flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
