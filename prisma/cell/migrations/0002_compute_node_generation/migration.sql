-- Placement's resource provider generation: every capacity claim on a compute node
-- (a build writing its instance) bumps it, so a scheduler that chose the host from an
-- older view is told to look again instead of overcommitting it.
ALTER TABLE "compute_nodes" ADD COLUMN "generation" INTEGER NOT NULL DEFAULT 0;
