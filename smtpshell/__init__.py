"""smtpshell: an interactive SMTP protocol shell."""

__version__ = "0.1.0"
