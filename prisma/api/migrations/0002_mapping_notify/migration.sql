-- Change notifications for gateway replicas (issue 14): every gateway that LISTENs on
-- `cells_mappings` learns at once that a cell mapping changed (re-read the cells) or that
-- an instance mapping it may have cached changed (forget it). Payloads are small JSON;
-- PostgreSQL folds identical payloads of one transaction into one notification and sends
-- them only when the transaction commits, so a rolled-back change tells nobody.

CREATE FUNCTION cells_notify_cell_mapping() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('cells_mappings', json_build_object('kind', 'cell', 'uuid', COALESCE(NEW.uuid, OLD.uuid))::text);
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER cell_mappings_notify
  AFTER INSERT OR UPDATE OR DELETE ON "cell_mappings"
  FOR EACH ROW EXECUTE FUNCTION cells_notify_cell_mapping();

-- Only a mapping that named a cell can be cached, so only its change or removal is told
-- (mapping instances in bulk, which fills empty cell_ids, stays quiet).
CREATE FUNCTION cells_notify_instance_mapping() RETURNS trigger AS $$
BEGIN
  IF OLD.cell_id IS NOT NULL AND (TG_OP = 'DELETE' OR NEW.cell_id IS DISTINCT FROM OLD.cell_id) THEN
    PERFORM pg_notify('cells_mappings', json_build_object('kind', 'instance', 'uuid', OLD.instance_uuid)::text);
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER instance_mappings_notify
  AFTER UPDATE OR DELETE ON "instance_mappings"
  FOR EACH ROW EXECUTE FUNCTION cells_notify_instance_mapping();
