-- When the server told a phone to wipe itself. A supervisor may withdraw a wipe order until then
-- (a phone found in the car after all); once the order has gone out the phone has destroyed its
-- data and there is nothing to withdraw. Setting this and withdrawing are each one conditional
-- UPDATE, so the two can never both happen.
ALTER TABLE devices ADD COLUMN wipe_sent_ms BIGINT;
