"""Messages to people: the in-app inbox, text messages (and one-time codes), e-mail."""
