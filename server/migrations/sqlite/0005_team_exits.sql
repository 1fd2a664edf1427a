-- Team membership changes reach the phones. When a user joins a team, the team's records move to
-- new sequence numbers so the user's phones (whose cursors had passed them) pull the team's
-- history. When a user leaves a team, the same move puts the records above the cursors of the
-- user's phones, and the pull sends those phones tombstones for them (data minimisation: a case
-- manager who left a team keeps none of its clients on the phone). This table says which teams a
-- user left: `seq` is the sequence counter right after the move, so a phone whose cursor is at
-- or past it holds nothing of the team any more and the row costs it nothing.
CREATE TABLE staff_team_exits (
    staff TEXT NOT NULL REFERENCES staff (id),
    team TEXT NOT NULL REFERENCES teams (id),
    seq BIGINT NOT NULL,
    at_ms BIGINT NOT NULL,
    PRIMARY KEY (staff, team)
);
