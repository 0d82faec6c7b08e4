-- Sign-in throttling by source (src/admin/auth/throttle-rules.ts). login_failures now holds one row per
-- rule and key ("address:…", "user-address:…", "user-device:…", "user-unknown:…"); the old rows were
-- keyed "<user>|<ip>", with "unknown" as the ip of every request, and are dropped.
DELETE FROM login_failures;
CREATE INDEX login_failures_by_age ON login_failures (last_failure_at);

-- Addresses (IPv6: the /64) each user signed in from successfully: known sources, exempt from the
-- per-account lock that slows a guesser spread over many addresses.
CREATE TABLE sign_in_addresses (
  user_id         INTEGER NOT NULL REFERENCES users (id),
  address         TEXT NOT NULL,
  last_success_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, address)
);

-- Server-side secrets created on first use, shared by every process on this database: the key that
-- signs device cookies. Never sent to a client.
CREATE TABLE server_secrets (
  name       TEXT PRIMARY KEY,
  value      TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
