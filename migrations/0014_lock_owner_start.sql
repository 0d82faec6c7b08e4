-- A lock holder is its pid and that process's start time: in a container, pids start from 1 again
-- after a restart, and a new process with a dead holder's pid must not keep its lock alive
-- (src/db/locks.ts owns the table). NULL where the start time cannot be read (not Linux).
ALTER TABLE locks ADD COLUMN owner_started TEXT;
