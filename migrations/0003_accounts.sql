-- Web admin accounts: local users, their sessions and API tokens, and login throttling.
-- Secrets are never stored: passwords as scrypt hashes, session ids and API tokens as SHA-256 hashes.

CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL UNIQUE,
  role          TEXT NOT NULL CHECK (role IN ('admin', 'reviewer', 'viewer')),
  -- scrypt$<log2 N>$<r>$<p>$<salt base64>$<hash base64>
  password_hash TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  created_by    TEXT NOT NULL,
  disabled_at   INTEGER
);

CREATE TABLE sessions (
  -- SHA-256 of the random id in the cookie: a copy of the database cannot be replayed as a cookie.
  id_hash      TEXT PRIMARY KEY,
  user_id      INTEGER NOT NULL REFERENCES users (id),
  created_at   INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  ip           TEXT,
  user_agent   TEXT
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE api_tokens (
  id           INTEGER PRIMARY KEY,
  user_id      INTEGER NOT NULL REFERENCES users (id),
  name         TEXT NOT NULL,
  token_hash   TEXT NOT NULL UNIQUE,
  -- Space-separated subset of: read review admin.
  scopes       TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER,
  last_used_at INTEGER,
  revoked_at   INTEGER
);
CREATE INDEX api_tokens_by_user ON api_tokens (user_id);

-- Failed sign-ins per (username, client address); a row is removed by a successful sign-in.
CREATE TABLE login_failures (
  key             TEXT PRIMARY KEY,
  failures        INTEGER NOT NULL,
  last_failure_at INTEGER NOT NULL,
  locked_until    INTEGER
);
