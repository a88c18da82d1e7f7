-- A gateway caches more of an instance mapping than its cell: the project and user it
-- scopes by and whether the instance is queued for delete (a non-admin no longer sees
-- it). A change of any of these is told too, so no replica answers from what it cached
-- before an instance was deleted or moved to another project.

CREATE OR REPLACE FUNCTION cells_notify_instance_mapping() RETURNS trigger AS $$
BEGIN
  IF OLD.cell_id IS NOT NULL AND (
    TG_OP = 'DELETE'
    OR NEW.cell_id IS DISTINCT FROM OLD.cell_id
    OR NEW.queued_for_delete IS DISTINCT FROM OLD.queued_for_delete
    OR NEW.project_id IS DISTINCT FROM OLD.project_id
    OR NEW.user_id IS DISTINCT FROM OLD.user_id
  ) THEN
    PERFORM pg_notify('cells_mappings', json_build_object('kind', 'instance', 'uuid', OLD.instance_uuid)::text);
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
