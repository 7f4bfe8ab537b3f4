"""The one root error and its few subclasses."""


class IlacsError(Exception):
    """Root of every error this program raises on purpose."""


class InvalidInput(IlacsError):
    """Bad input from a person: a date, topic, grade, row or option. The CLI exits 2."""


class StoreError(IlacsError):
    """The event store could not do what was asked."""


class SourceError(IlacsError):
    """A remote source (the site, a feed, a document host) failed or answered nonsense."""


class UnreadableDocument(IlacsError):
    """A listed document that could not be read or classified; the message says why."""


class DeliveryError(IlacsError):
    """An email could not be handed over."""

    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
