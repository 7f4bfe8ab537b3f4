"""The SMTP sender: STARTTLS, SSL or plain, with login; replies sorted into temporary and permanent failures."""
from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from events.errors import DeliveryError
from notifiers.ports import ServerUnavailable


class SmtpSender:
    """One connection per message: alerts are few, and a fresh connection never finds a stale one."""

    def __init__(self, host: str, port: int, tls: str = "none", user: str | None = None,
                 password: str | None = None, timeout: float = 30.0) -> None:
        self.host, self.port, self.tls = host, port, tls
        self.user, self.password = user, password
        self.timeout = timeout

    def send(self, message: EmailMessage) -> None:
        smtp: smtplib.SMTP | None = None
        try:
            if self.tls == "ssl":
                smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                        context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
                if self.tls == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as err:
            raise _failure(f"{self.host}:{self.port}", err) from err
        finally:
            if smtp is not None:
                _close(smtp)


def _failure(where: str, err: Exception) -> DeliveryError:
    if isinstance(err, smtplib.SMTPAuthenticationError):
        # the settings are wrong, not the message: keep it queued until someone fixes them
        return ServerUnavailable(f"{where} refused the login: {err.smtp_code} {_text(err.smtp_error)}")
    if isinstance(err, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(err.recipients.values()))
        return DeliveryError(f"{where} refused the recipient: {code} {_text(reply)}", permanent=code >= 500)
    if isinstance(err, smtplib.SMTPResponseException):
        return DeliveryError(f"{where} answered {err.smtp_code} {_text(err.smtp_error)}",
                             permanent=err.smtp_code >= 500)
    return ServerUnavailable(f"{where} unreachable: {err}")  # refused, timed out, dropped, TLS failed


def _close(smtp: smtplib.SMTP) -> None:
    # once the message is accepted, a failing QUIT must not turn into a retry (and a second copy)
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply
