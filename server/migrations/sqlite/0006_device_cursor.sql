-- The last pull cursor the server handed each device. A device presenting a higher cursor got
-- it from a history this database does not have: the database was restored from a backup taken
-- after that device last synced, and what the server acknowledged since is gone from it (though
-- still on the phones). The sync answer then says `restored`, the phone sends again what it
-- wrote, and it pulls again from this cursor (see docs/sync-server.md).
ALTER TABLE devices ADD COLUMN last_cursor BIGINT;
