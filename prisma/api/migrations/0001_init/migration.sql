-- Global (API) database: cells index, flavors, quotas, security groups, key pairs,
-- migrations, networks, tags. Mirrors prisma/api/schema.prisma.

CREATE TABLE "cell_mappings" (
    "id" SERIAL PRIMARY KEY,
    "uuid" VARCHAR(36) NOT NULL,
    "name" VARCHAR(255),
    "transport_url" TEXT NOT NULL,
    "database_connection" TEXT NOT NULL,
    "graphql_url" TEXT,
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3)
);
CREATE UNIQUE INDEX "cell_mappings_uuid_key" ON "cell_mappings"("uuid");

CREATE TABLE "host_mappings" (
    "id" SERIAL PRIMARY KEY,
    "cell_id" INTEGER NOT NULL REFERENCES "cell_mappings"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    "host" VARCHAR(255) NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3)
);
CREATE UNIQUE INDEX "host_mappings_host_key" ON "host_mappings"("host");
CREATE INDEX "host_mappings_cell_id_idx" ON "host_mappings"("cell_id");

CREATE TABLE "instance_mappings" (
    "id" SERIAL PRIMARY KEY,
    "instance_uuid" VARCHAR(36) NOT NULL,
    "cell_id" INTEGER REFERENCES "cell_mappings"("id") ON DELETE SET NULL ON UPDATE CASCADE,
    "project_id" VARCHAR(255) NOT NULL,
    "user_id" VARCHAR(255),
    "queued_for_delete" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3)
);
CREATE UNIQUE INDEX "instance_mappings_instance_uuid_key" ON "instance_mappings"("instance_uuid");
CREATE INDEX "instance_mappings_cell_id_idx" ON "instance_mappings"("cell_id");
CREATE INDEX "instance_mappings_project_id_idx" ON "instance_mappings"("project_id");
CREATE INDEX "instance_mappings_project_id_user_id_idx" ON "instance_mappings"("project_id", "user_id");

CREATE TABLE "build_requests" (
    "id" SERIAL PRIMARY KEY,
    "instance_uuid" VARCHAR(36) NOT NULL,
    "project_id" VARCHAR(255) NOT NULL,
    "user_id" VARCHAR(255),
    "instance" TEXT,
    "block_device_mappings" TEXT,
    "tags" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3)
);
CREATE UNIQUE INDEX "build_requests_instance_uuid_key" ON "build_requests"("instance_uuid");
CREATE INDEX "build_requests_project_id_idx" ON "build_requests"("project_id");

CREATE TABLE "request_specs" (
    "id" SERIAL PRIMARY KEY,
    "instance_uuid" VARCHAR(36) NOT NULL,
    "spec" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3)
);
CREATE UNIQUE INDEX "request_specs_instance_uuid_key" ON "request_specs"("instance_uuid");

CREATE TABLE "instance_types" (
    "id" SERIAL PRIMARY KEY,
    "name" VARCHAR(255) NOT NULL,
    "memory_mb" INTEGER NOT NULL,
    "vcpus" INTEGER NOT NULL,
    "root_gb" INTEGER NOT NULL DEFAULT 0,
    "ephemeral_gb" INTEGER NOT NULL DEFAULT 0,
    "flavorid" VARCHAR(255) NOT NULL,
    "swap" INTEGER NOT NULL DEFAULT 0,
    "rxtx_factor" DOUBLE PRECISION NOT NULL DEFAULT 1,
    "vcpu_weight" INTEGER,
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "is_public" BOOLEAN NOT NULL DEFAULT true,
    "description" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3),
    "deleted_at" TIMESTAMP(3),
    "deleted" INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX "instance_types_name_deleted_key" ON "instance_types"("name", "deleted");
CREATE UNIQUE INDEX "instance_types_flavorid_deleted_key" ON "instance_types"("flavorid", "deleted");

CREATE TABLE "instance_type_extra_specs" (
    "id" SERIAL PRIMARY KEY,
    "instance_type_id" INTEGER NOT NULL REFERENCES "instance_types"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    "key" VARCHAR(255) NOT NULL,
    "value" VARCHAR(255),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3),
    "deleted_at" TIMESTAMP(3),
    "deleted" INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX "instance_type_extra_specs_instance_type_id_key_deleted_key" ON "instance_type_extra_specs"("instance_type_id", "key", "deleted");

CREATE TABLE "instance_type_projects" (
    "id" SERIAL PRIMARY KEY,
    "instance_type_id" INTEGER NOT NULL REFERENCES "instance_types"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    "project_id" VARCHAR(255) NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3),
    "deleted_at" TIMESTAMP(3),
    "deleted" INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX "instance_type_projects_instance_type_id_project_id_deleted_key" ON "instance_type_projects"("instance_type_id", "project_id", "deleted");

CREATE TABLE "quotas" (
    "id" SERIAL PRIMARY KEY,
    "project_id" VARCHAR(255) NOT NULL,
    "resource" VARCHAR(255) NOT NULL,
    "hard_limit" INTEGER,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3)
);
CREATE UNIQUE INDEX "quotas_project_id_resource_key" ON "quotas"("project_id", "resource");

CREATE TABLE "project_user_quotas" (
    "id" SERIAL PRIMARY KEY,
    "project_id" VARCHAR(255) NOT NULL,
    "user_id" VARCHAR(255) NOT NULL,
    "resource" VARCHAR(255) NOT NULL,
    "hard_limit" INTEGER,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3)
);
CREATE UNIQUE INDEX "project_user_quotas_user_id_project_id_resource_key" ON "project_user_quotas"("user_id", "project_id", "resource");
CREATE INDEX "project_user_quotas_project_id_idx" ON "project_user_quotas"("project_id");

CREATE TABLE "quota_classes" (
    "id" SERIAL PRIMARY KEY,
    "class_name" VARCHAR(255) NOT NULL,
    "resource" VARCHAR(255) NOT NULL,
    "hard_limit" INTEGER,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3)
);
CREATE UNIQUE INDEX "quota_classes_class_name_resource_key" ON "quota_classes"("class_name", "resource");

CREATE TABLE "quota_usages" (
    "id" SERIAL PRIMARY KEY,
    "project_id" VARCHAR(255) NOT NULL,
    "user_id" VARCHAR(255) NOT NULL,
    "resource" VARCHAR(255) NOT NULL,
    "in_use" INTEGER NOT NULL DEFAULT 0,
    "reserved" INTEGER NOT NULL DEFAULT 0,
    "until_refresh" INTEGER,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3),
    "deleted_at" TIMESTAMP(3),
    "deleted" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "quota_usages_in_use_check" CHECK ("in_use" >= 0),
    CONSTRAINT "quota_usages_reserved_check" CHECK ("reserved" >= 0)
);
CREATE UNIQUE INDEX "quota_usages_project_id_user_id_resource_deleted_key" ON "quota_usages"("project_id", "user_id", "resource", "deleted");
CREATE INDEX "quota_usages_project_id_resource_idx" ON "quota_usages"("project_id", "resource");

CREATE TABLE "security_groups" (
    "id" SERIAL PRIMARY KEY,
    "name" VARCHAR(255) NOT NULL,
    "description" VARCHAR(255),
    "user_id" VARCHAR(255) NOT NULL,
    "project_id" VARCHAR(255) NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3),
    "deleted_at" TIMESTAMP(3),
    "deleted" INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX "security_groups_project_id_name_deleted_key" ON "security_groups"("project_id", "name", "deleted");

CREATE TABLE "security_group_rules" (
    "id" SERIAL PRIMARY KEY,
    "parent_group_id" INTEGER NOT NULL REFERENCES "security_groups"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    "protocol" VARCHAR(255),
    "from_port" INTEGER,
    "to_port" INTEGER,
    "cidr" VARCHAR(43),
    "group_id" INTEGER REFERENCES "security_groups"("id") ON DELETE SET NULL ON UPDATE CASCADE,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3),
    "deleted_at" TIMESTAMP(3),
    "deleted" INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX "security_group_rules_parent_group_id_idx" ON "security_group_rules"("parent_group_id");

CREATE TABLE "security_group_default_rules" (
    "id" SERIAL PRIMARY KEY,
    "protocol" VARCHAR(5),
    "from_port" INTEGER,
    "to_port" INTEGER,
    "cidr" VARCHAR(43),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3),
    "deleted_at" TIMESTAMP(3),
    "deleted" INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE "provider_fw_rules" (
    "id" SERIAL PRIMARY KEY,
    "protocol" VARCHAR(5),
    "from_port" INTEGER,
    "to_port" INTEGER,
    "cidr" VARCHAR(43),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3),
    "deleted_at" TIMESTAMP(3),
    "deleted" INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE "key_pairs" (
    "id" SERIAL PRIMARY KEY,
    "name" VARCHAR(255) NOT NULL,
    "user_id" VARCHAR(255) NOT NULL,
    "fingerprint" VARCHAR(255),
    "public_key" TEXT,
    "type" VARCHAR(10) NOT NULL DEFAULT 'ssh',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3)
);
CREATE UNIQUE INDEX "key_pairs_user_id_name_key" ON "key_pairs"("user_id", "name");

CREATE TABLE "migrations" (
    "id" SERIAL PRIMARY KEY,
    "uuid" VARCHAR(36),
    "source_compute" VARCHAR(255),
    "dest_compute" VARCHAR(255),
    "source_node" VARCHAR(255),
    "dest_node" VARCHAR(255),
    "dest_host" VARCHAR(255),
    "old_instance_type_id" INTEGER,
    "new_instance_type_id" INTEGER,
    "instance_uuid" VARCHAR(36),
    "status" VARCHAR(255),
    "migration_type" VARCHAR(32),
    "hidden" BOOLEAN NOT NULL DEFAULT false,
    "memory_total" BIGINT,
    "memory_processed" BIGINT,
    "memory_remaining" BIGINT,
    "disk_total" BIGINT,
    "disk_processed" BIGINT,
    "disk_remaining" BIGINT,
    "cross_cell_move" BOOLEAN NOT NULL DEFAULT false,
    "user_id" VARCHAR(255),
    "project_id" VARCHAR(255),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3),
    "deleted_at" TIMESTAMP(3),
    "deleted" INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX "migrations_uuid_key" ON "migrations"("uuid");
CREATE INDEX "migrations_instance_uuid_idx" ON "migrations"("instance_uuid");
CREATE INDEX "migrations_project_id_idx" ON "migrations"("project_id");
CREATE INDEX "migrations_status_idx" ON "migrations"("status");

CREATE TABLE "networks" (
    "id" SERIAL PRIMARY KEY,
    "uuid" VARCHAR(36),
    "label" VARCHAR(255),
    "injected" BOOLEAN NOT NULL DEFAULT false,
    "cidr" VARCHAR(43),
    "cidr_v6" VARCHAR(43),
    "multi_host" BOOLEAN NOT NULL DEFAULT false,
    "gateway_v6" VARCHAR(39),
    "netmask_v6" VARCHAR(39),
    "netmask" VARCHAR(39),
    "bridge" VARCHAR(255),
    "bridge_interface" VARCHAR(255),
    "gateway" VARCHAR(39),
    "broadcast" VARCHAR(39),
    "dns1" VARCHAR(39),
    "dns2" VARCHAR(39),
    "vlan" INTEGER,
    "vpn_public_address" VARCHAR(39),
    "vpn_public_port" INTEGER,
    "vpn_private_address" VARCHAR(39),
    "dhcp_start" VARCHAR(39),
    "rxtx_base" INTEGER,
    "project_id" VARCHAR(255),
    "priority" INTEGER,
    "host" VARCHAR(255),
    "mtu" INTEGER,
    "dhcp_server" VARCHAR(39),
    "enable_dhcp" BOOLEAN NOT NULL DEFAULT true,
    "share_address" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3),
    "deleted_at" TIMESTAMP(3),
    "deleted" INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX "networks_uuid_key" ON "networks"("uuid");
CREATE INDEX "networks_project_id_idx" ON "networks"("project_id");

CREATE TABLE "tags" (
    "resource_id" VARCHAR(36) NOT NULL,
    "tag" VARCHAR(80) NOT NULL,
    PRIMARY KEY ("resource_id", "tag")
);
CREATE INDEX "tags_tag_idx" ON "tags"("tag");
