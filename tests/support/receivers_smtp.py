"""A real SMTP server (aiosmtpd) on 127.0.0.1 that records each message it takes.

    with SmtpReceiver() as smtp:                      # plain SMTP, no AUTH
        ...  # channel url: smtp://127.0.0.1:{smtp.port}
    SmtpReceiver(auth=("cco", "pw"), starttls=True)   # AUTH only after STARTTLS (a self-signed
                                                      # certificate: smtp.ca_file trusts it)
    SmtpReceiver(auth=("cco", "pw"), auth_without_tls=True)   # AUTH on plain text (loopback)

`Received.body` is `{"message_id", "subject", "from", "to", "envelope_from", "envelope_to",
"text", "tls", "login"}`; the dedupe key comes from `Message-ID: <KEY@cc-orchestrator>`.
Failure modes: `fail(451)` answers DATA with a temporary error, `fail(554)` a permanent one;
`rate_limited(n)` answers 451 4.7.1; `slow(s)` waits before answering DATA; `down()`/`up()`
close and reopen the port.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import ipaddress
import re
import socket
import ssl
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.support.receivers_core import Received, Records, Rejected

KEY_RE = re.compile(r"<([^<>@\s]+)@cc-orchestrator>")


class _Controller(Controller):
    """aiosmtpd's Controller on a given port, or on a free one (port 0) that it then keeps."""

    def _create_server(self) -> Any:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.hostname, self.port))
        self.port = sock.getsockname()[1]
        return self.loop.create_server(self._factory_invoker, sock=sock, ssl=self.ssl_context)


def _self_signed(directory: Path) -> tuple[ssl.SSLContext, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context, cert_file


class SmtpReceiver(Records):
    kind = "email"

    def __init__(
        self,
        *,
        auth: tuple[str, str] | None = None,
        starttls: bool = False,
        auth_without_tls: bool = False,
    ) -> None:
        super().__init__()
        self.port = 0
        self.login = auth
        self.auth_without_tls = auth_without_tls
        self._dir = tempfile.TemporaryDirectory(prefix="cco-smtp-")
        self.tls_context: ssl.SSLContext | None = None
        self.ca_file: Path | None = None
        if starttls:
            self.tls_context, self.ca_file = _self_signed(Path(self._dir.name))
        self._controller: _Controller | None = None
        self.up()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def is_up(self) -> bool:
        return self._controller is not None

    def client_context(self) -> ssl.SSLContext:
        """A client TLS context that trusts this receiver's certificate."""
        return ssl.create_default_context(cafile=str(self.ca_file) if self.ca_file else None)

    def fail(self, status: int = 451) -> None:
        super().fail(status)

    def up(self) -> None:
        if self._controller is not None:
            return
        kwargs: dict[str, Any] = {}
        if self.login is not None:
            kwargs.update(
                authenticator=self._authenticate,
                # required by handle_MAIL (aiosmtpd's own auth_required warns on each
                # connection when AUTH is allowed without TLS, which auth_without_tls asks for)
                auth_required=False,
                auth_require_tls=not self.auth_without_tls,
            )
        if self.tls_context is not None:
            kwargs["tls_context"] = self.tls_context
        controller = _Controller(_Handler(self), hostname="127.0.0.1", port=self.port, **kwargs)
        controller.start()
        self.port = controller.port
        self._controller = controller

    def down(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def close(self) -> None:
        self.down()
        self._dir.cleanup()

    def __enter__(self) -> SmtpReceiver:
        return self

    def __exit__(
        self, exc: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and self.login is not None
            and (data.login.decode(), data.password.decode()) == self.login
        )
        return AuthResult(success=ok, handled=False, auth_data=data if ok else None)


class _Handler:
    def __init__(self, receiver: SmtpReceiver) -> None:
        self.receiver = receiver

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.receiver.login is not None and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        receiver = self.receiver
        decision = receiver.modes.decide()
        if decision.sleep_s:
            await asyncio.sleep(decision.sleep_s)
        if decision.outcome == "rate_limited":
            receiver._attempt("rate_limited", 451)
            return f"451 4.7.1 Rate limited, try again in {decision.retry_after} seconds"
        if decision.outcome == "fail":
            receiver._attempt("fail", decision.status)
            temporary = 400 <= decision.status < 500
            return f"{decision.status} {'4.3.0' if temporary else '5.3.0'} Transaction failed"
        raw: bytes = envelope.original_content or envelope.content
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        headers = {k.lower(): str(v) for k, v in parsed.items()}
        if "from" not in headers or "message-id" not in headers:
            reason = "a message needs From and Message-ID headers"
            receiver._refuse(
                Rejected("email", 550, reason, raw.decode("utf-8", "replace"), headers)
            )
            return "550 5.6.0 " + reason
        part = parsed.get_body(("plain",)) if parsed.is_multipart() else parsed
        text = part.get_content().replace("\r\n", "\n") if part is not None else ""
        found = KEY_RE.search(headers["message-id"])
        auth = session.auth_data
        login = auth.login if isinstance(auth, LoginPassword) else None
        body = {
            "message_id": headers["message-id"],
            "subject": headers.get("subject"),
            "from": headers.get("from"),
            "to": headers.get("to"),
            "envelope_from": envelope.mail_from,
            "envelope_to": list(envelope.rcpt_tos),
            "text": text,
            "tls": session.ssl is not None,
            "login": login.decode() if isinstance(login, bytes) else login,
        }
        receiver._accept(
            Received("email", found.group(1) if found else "", body, headers, raw=raw), 250
        )
        return "250 2.0.0 Message accepted for delivery"
