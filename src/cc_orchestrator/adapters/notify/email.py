"""E-mail over SMTP (smtplib): the Message as a plain-text mail.

`smtps://[user:password@]host[:port]` talks TLS from the first byte (port 465 by default);
`smtp://[user:password@]host[:port]` (port 25 by default; 587 for most submission servers)
upgrades with STARTTLS whenever the server offers it. A password is never sent over a
connection without TLS, unless the server is on this machine (loopback): such a send is
Refused with why. The Message-ID is `<KEY@cc-orchestrator>`, so a mail client shows one
mail for repeated attempts of one delivery. SMTP's 4xx answers are RetryLater, its 5xx
Refused; a refused connection, a timeout or a dropped connection RetryLater.
"""

from __future__ import annotations

import ipaddress
import smtplib
import socket
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import unquote, urlsplit

from cc_orchestrator.adapters.notify.http import scrub, shown_host, url_secrets
from cc_orchestrator.domain.notices import DIGEST, Message, clip
from cc_orchestrator.domain.outbox import Refused, RetryLater, SendResult, Sent

SUBJECT_MAX = 150
BODY_MAX = 20000


def is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def body_text(message: Message, dedupe_key: str) -> str:
    lines: list[str] = []
    if message.kind == DIGEST:
        for item in message.items:
            lines.append(f"* {item.title}")
            if item.text:
                lines.append("  " + clip(" ".join(item.text.split()), 500))
            if item.link:
                lines.append(f"  {item.link}")
    else:
        if message.text:
            lines.extend([message.text.strip(), ""])
        lines.extend(f"{k}: {v}" for k, v in message.fields)
        for label, value in (("Task", message.task_id), ("Repository", message.repo)):
            if value:
                lines.append(f"{label}: {value}")
        if message.link:
            lines.extend(["", message.link])
    text = clip("\n".join(lines).strip() or message.title, BODY_MAX)
    return f"{text}\n\n-- \ncco · {dedupe_key}\n"


def compose(message: Message, *, dedupe_key: str, sender: str, to: list[str]) -> EmailMessage:
    mail = EmailMessage()
    mail["Subject"] = clip(" ".join(message.title.split()) or "cco", SUBJECT_MAX)
    mail["From"] = sender
    mail["To"] = ", ".join(to)
    mail["Date"] = formatdate(usegmt=True)
    mail["Message-ID"] = f"<{dedupe_key}@cc-orchestrator>"
    mail["X-CCO-Dedupe-Key"] = dedupe_key
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(body_text(message, dedupe_key))
    return mail


def _smtp_result(code: int, text: str) -> SendResult:
    if 400 <= code < 500:
        return RetryLater(text)
    return Refused(text)


class EmailSender:
    def __init__(
        self,
        url: str,
        *,
        to: list[str],
        sender: str | None,
        timeout_s: float,
        context: ssl.SSLContext | None = None,  # tests: a context trusting their own CA
        clear_on_loopback: bool = True,  # tests: False plays a server elsewhere
    ) -> None:
        parts = urlsplit(url)
        self._tls = parts.scheme == "smtps"
        self._host = parts.hostname or ""
        self._port = parts.port or (465 if self._tls else 25)
        self._user = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else None
        self._to = list(to)
        self._from = sender or f"cco@{socket.gethostname() or 'localhost'}"
        self._timeout_s = timeout_s
        self.where = shown_host(f"{parts.scheme}://{self._host}:{self._port}")
        self._secrets = [*url_secrets(url), *(s for s in (self._password,) if s)]
        self._context = context
        self._clear_ok = clear_on_loopback and is_loopback(self._host)

    def send(self, message: Message, *, delivery_id: int, dedupe_key: str) -> SendResult:
        mail = compose(message, dedupe_key=dedupe_key, sender=self._from, to=self._to)
        try:
            return self._send(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            text = self._said(f"every recipient was refused by {self.where}", exc)
            return RetryLater(text) if all(400 <= c < 500 for c in codes) else Refused(text)
        except smtplib.SMTPResponseException as exc:
            return _smtp_result(
                exc.smtp_code, self._said(f"SMTP {exc.smtp_code} from {self.where}", exc)
            )
        except smtplib.SMTPServerDisconnected as exc:
            if "timed out" in str(exc):  # smtplib's word for a reply that did not come
                return RetryLater(f"no answer from {self.where} within {self._timeout_s:g} s")
            return RetryLater(f"{self.where} closed the connection")
        except smtplib.SMTPNotSupportedError as exc:
            return Refused(self._said(f"not supported by {self.where}", exc))
        except ssl.SSLCertVerificationError as exc:
            return Refused(f"TLS with {self.where}: {exc.verify_message or 'bad certificate'}")
        except TimeoutError:
            return RetryLater(f"no answer from {self.where} within {self._timeout_s:g} s")
        except ConnectionRefusedError:
            return RetryLater(f"connection refused by {self.where}")
        except (OSError, smtplib.SMTPException) as exc:
            return RetryLater(self._said(f"{type(exc).__name__} talking to {self.where}", exc))

    def _send(self, mail: EmailMessage) -> SendResult:
        context = self._context or ssl.create_default_context()
        smtp: smtplib.SMTP
        if self._tls:
            smtp = smtplib.SMTP_SSL(
                self._host, self._port, timeout=self._timeout_s, context=context
            )
        else:
            smtp = smtplib.SMTP(self._host, self._port, timeout=self._timeout_s)
        with smtp:
            smtp.ehlo()
            secure = self._tls
            if not secure and smtp.has_extn("starttls"):
                smtp.starttls(context=context)
                smtp.ehlo()
                secure = True
            if self._user is not None:
                if not secure and not self._clear_ok:
                    return Refused(
                        f"{self.where} offers no TLS (STARTTLS): cco does not send a password "
                        "in the clear; use smtps:// or a server that offers STARTTLS"
                    )
                smtp.login(self._user, self._password or "")
            refused = smtp.send_message(mail, from_addr=self._from, to_addrs=self._to)
        if refused:
            return Sent(f"accepted by {self.where}, but not for {len(refused)} recipient(s)")
        return Sent(f"accepted by {self.where}")

    def _said(self, head: str, exc: BaseException) -> str:
        detail = ""
        if isinstance(exc, smtplib.SMTPResponseException):
            raw = exc.smtp_error
            detail = raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)
        elif not isinstance(exc, smtplib.SMTPRecipientsRefused):
            detail = str(exc)
        detail = " ".join(scrub(detail, self._secrets).split())[:200]
        return head + (f": {detail}" if detail else "")

    def close(self) -> None:
        pass
