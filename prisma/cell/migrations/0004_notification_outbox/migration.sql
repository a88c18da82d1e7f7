-- A transactional outbox for instance notifications (instance.update, instance.<action>.start|end|error):
-- an event is written in the transaction that makes the change it reports, so a change that
-- rolls back never has one and a committed change never loses its own. The writer publishes
-- its rows to the cell's `cells.notifications` exchange right after the commit and drops them
-- once the broker confirmed; a row left behind (broker down, writer died) is published by a
-- relay once its lease (`claim`/`claimed_until`) has run out. `held_for` names the
-- compute_outbox row an action's event waits on: it goes out only once that message is
-- settled, and a withdrawn action takes its events with it.

CREATE TABLE "notification_outbox" (
    "id" SERIAL PRIMARY KEY,
    "event_type" VARCHAR(255) NOT NULL,
    "payload" TEXT NOT NULL,
    "held_for" VARCHAR(255),
    "claim" VARCHAR(36) NOT NULL,
    "claimed_until" TIMESTAMP(3) NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX "notification_outbox_claimed_until_idx" ON "notification_outbox"("claimed_until");
CREATE INDEX "notification_outbox_claim_idx" ON "notification_outbox"("claim");
CREATE INDEX "notification_outbox_held_for_idx" ON "notification_outbox"("held_for");
