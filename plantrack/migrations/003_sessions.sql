-- Logins that last (sessions.py), and the counting of failed logins (accounts.log_in).
-- A session is known by the SHA-256 of its token: the token itself is only in the officer's
-- cookie, so a copy of the store does not give anyone a usable login.

CREATE TABLE sessions (
    token_hash  VARCHAR PRIMARY KEY,
    username    VARCHAR NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP NOT NULL,
    revoked_at  TIMESTAMP            -- set by logging out (or a password change, an account removed)
);

-- failed logins per account name ('user') and per client address ('address')
CREATE TABLE login_failures (
    kind          VARCHAR NOT NULL CHECK (kind IN ('user', 'address')),
    key           VARCHAR NOT NULL,
    failures      INTEGER NOT NULL,
    last_failure  TIMESTAMP NOT NULL,
    locked_until  TIMESTAMP,
    PRIMARY KEY (kind, key)
);

-- keys the program makes for itself on first use (the cookie signing key)
CREATE TABLE app_secrets (
    name        VARCHAR PRIMARY KEY,
    value       VARCHAR NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
