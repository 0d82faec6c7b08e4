-- Single sign-on (OpenID Connect). An account signed in through the identity provider is a users row
-- like any other (approvals, sessions and the audit log refer to it by id), found by the provider's
-- (issuer, subject) pair: never by a display name, which the provider may change or share.

-- 'local': a password account (break-glass); 'sso': signs in only through the identity provider and
-- has no password (password_hash '').
ALTER TABLE users ADD COLUMN source TEXT NOT NULL DEFAULT 'local' CHECK (source IN ('local', 'sso'));

-- Why a disabled account is disabled: 'admin' (by a person; only a person enables it again) or
-- 'no-role' (its last single sign-on mapped to no role; a later sign-in with a role enables it).
-- NULL for enabled accounts and for accounts disabled before this migration (treated as 'admin').
ALTER TABLE users ADD COLUMN disabled_reason TEXT CHECK (disabled_reason IN ('admin', 'no-role'));

CREATE TABLE sso_identities (
  user_id         INTEGER PRIMARY KEY REFERENCES users (id),
  -- The `iss` and `sub` claims of the verified ID token, exactly as sent.
  issuer          TEXT NOT NULL,
  subject         TEXT NOT NULL,
  -- Shown beside the account name; refreshed at every sign-in, never used to identify anyone.
  display_name    TEXT NOT NULL,
  email           TEXT,
  -- The role claim values of the last sign-in (JSON array), for `aurgate user list` and the accounts page.
  claim_values    TEXT NOT NULL,
  first_seen_at   INTEGER NOT NULL,
  last_sign_in_at INTEGER NOT NULL,
  UNIQUE (issuer, subject)
);
