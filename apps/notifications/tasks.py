"""Celery tasks of badge e-mails: send what is due (queued after the issuing commit), and the sweep beat runs
every minute so that nothing waits on a lost message or a broker that was down. Sending claims its rows first,
so a repeated message or two workers never send an e-mail twice."""

from celery import shared_task

from .sending import emails_send_due


@shared_task(name="notifications.send_badge_emails")
def send_badge_emails() -> int:
    return emails_send_due()


@shared_task(name="notifications.sweep_badge_emails")
def sweep_badge_emails() -> int:
    return emails_send_due()
