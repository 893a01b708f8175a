-- Every node keeps parsed credential configurations in memory. A change, made through any node
-- (or by hand), is announced at commit on the channel `sigil_configurations`; each node listens
-- on its own connection and forgets what it kept.
CREATE FUNCTION sigil_configurations_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('sigil_configurations', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER credential_configurations_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON credential_configurations
    FOR EACH STATEMENT EXECUTE FUNCTION sigil_configurations_changed();
