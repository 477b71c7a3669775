"""The crisis lines in a few words, in the client's language: the header, the footer, the
support page ("Call or text 988", "Emergency: call 911")."""

from __future__ import annotations

from flask import Flask
from flask_babel import gettext as _


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(reach=reach, crisis_short=short, lower_first=lower_first)


def reach(resource) -> str:
    """How to reach a resource, for a one-line link: 'Call or text 988'."""
    if resource.tel and resource.sms:
        if resource.tel == resource.sms:
            return _("Call or text %(number)s", number=resource.tel)
        return _("Call %(tel)s or text %(sms)s", tel=resource.tel, sms=resource.sms)
    if resource.tel:
        return _("Call %(number)s", number=resource.tel)
    if resource.sms:  # a text line often needs a keyword: its own `how`, 'Text HOME to 741741'
        return (
            resource.how
            if resource.sms in resource.how
            else _("Text %(number)s", number=resource.sms)
        )
    return resource.how


def short(resource) -> str:
    """Its entry in the one-line crisis links: the emergency number is named as such."""
    words = reach(resource)
    return _("Emergency: %(how)s", how=lower_first(words)) if resource.emergency else words


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]
