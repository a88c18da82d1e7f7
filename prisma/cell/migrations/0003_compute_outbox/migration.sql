-- A transactional outbox for instance actions: the compute message is committed in the
-- same transaction as the task state and the instance action it belongs to, so a cell
-- subgraph that dies between the commit and the broker's confirm leaves a row that a
-- relay publishes later, never an action without its message. The row goes once the
-- broker confirmed (or the action was withdrawn). `claim`/`claimed_until` is a lease:
-- the request that wrote the row owns it until then, after that the relay may take it.
-- `task_state`, `previous_task_state` and `written_at` are what a withdrawal compares
-- before it undoes anything (the instance must still be exactly as the action left it).

CREATE TABLE "compute_outbox" (
    "id" SERIAL PRIMARY KEY,
    "request_id" VARCHAR(255) NOT NULL,
    "instance_uuid" VARCHAR(36) NOT NULL,
    "action_id" INTEGER NOT NULL,
    "message" TEXT NOT NULL,
    "task_state" VARCHAR(255),
    "previous_task_state" VARCHAR(255),
    "written_at" TIMESTAMP(3) NOT NULL,
    "claim" VARCHAR(36) NOT NULL,
    "claimed_until" TIMESTAMP(3) NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX "compute_outbox_request_id_key" ON "compute_outbox"("request_id");
CREATE INDEX "compute_outbox_claimed_until_idx" ON "compute_outbox"("claimed_until");
