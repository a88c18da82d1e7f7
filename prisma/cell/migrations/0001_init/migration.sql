-- Every cell database: instances and everything instance-level, plus the cell's
-- services and compute nodes. Mirrors prisma/cell/schema.prisma.

CREATE TABLE "instances" (
    "id" SERIAL PRIMARY KEY,
    "uuid" VARCHAR(36) NOT NULL,
    "user_id" VARCHAR(255),
    "project_id" VARCHAR(255),
    "image_ref" VARCHAR(255),
    "kernel_id" VARCHAR(255),
    "ramdisk_id" VARCHAR(255),
    "hostname" VARCHAR(255),
    "launch_index" INTEGER,
    "key_name" VARCHAR(255),
    "key_data" TEXT,
    "power_state" INTEGER,
    "vm_state" VARCHAR(255),
    "task_state" VARCHAR(255),
    "memory_mb" INTEGER,
    "vcpus" INTEGER,
    "root_gb" INTEGER,
    "ephemeral_gb" INTEGER,
    "ephemeral_key_uuid" VARCHAR(36),
    "host" VARCHAR(255),
    "node" VARCHAR(255),
    "instance_type_id" INTEGER,
    "user_data" TEXT,
    "reservation_id" VARCHAR(255),
    "launched_at" TIMESTAMP(3),
    "terminated_at" TIMESTAMP(3),
    "availability_zone" VARCHAR(255),
    "display_name" VARCHAR(255),
    "display_description" TEXT,
    "launched_on" TEXT,
    "locked" BOOLEAN NOT NULL DEFAULT false,
    "locked_by" VARCHAR(5),
    "os_type" VARCHAR(255),
    "architecture" VARCHAR(255),
    "vm_mode" VARCHAR(255),
    "root_device_name" VARCHAR(255),
    "default_ephemeral_device" VARCHAR(255),
    "default_swap_device" VARCHAR(255),
    "config_drive" VARCHAR(255),
    "access_ip_v4" VARCHAR(39),
    "access_ip_v6" VARCHAR(39),
    "auto_disk_config" BOOLEAN,
    "progress" INTEGER,
    "shutdown_terminate" BOOLEAN NOT NULL DEFAULT false,
    "disable_terminate" BOOLEAN NOT NULL DEFAULT false,
    "cell_name" VARCHAR(255),
    "internal_id" INTEGER,
    "hidden" BOOLEAN NOT NULL DEFAULT false,
    "cleaned" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3),
    "deleted_at" TIMESTAMP(3),
    "deleted" INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX "instances_uuid_key" ON "instances"("uuid");
CREATE INDEX "instances_created_at_uuid_idx" ON "instances"("created_at", "uuid");
CREATE INDEX "instances_updated_at_uuid_idx" ON "instances"("updated_at", "uuid");
CREATE INDEX "instances_launched_at_uuid_idx" ON "instances"("launched_at", "uuid");
CREATE INDEX "instances_display_name_uuid_idx" ON "instances"("display_name", "uuid");
CREATE INDEX "instances_project_id_created_at_uuid_idx" ON "instances"("project_id", "created_at", "uuid");
CREATE INDEX "instances_project_id_deleted_idx" ON "instances"("project_id", "deleted");
CREATE INDEX "instances_deleted_created_at_idx" ON "instances"("deleted", "created_at");
CREATE INDEX "instances_host_node_idx" ON "instances"("host", "node");
CREATE INDEX "instances_reservation_id_idx" ON "instances"("reservation_id");

CREATE TABLE "instance_info_caches" (
    "id" SERIAL PRIMARY KEY,
    "instance_uuid" VARCHAR(36) NOT NULL REFERENCES "instances"("uuid") ON DELETE RESTRICT ON UPDATE CASCADE,
    "network_info" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3),
    "deleted_at" TIMESTAMP(3),
    "deleted" INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX "instance_info_caches_instance_uuid_key" ON "instance_info_caches"("instance_uuid");

CREATE TABLE "instance_extra" (
    "id" SERIAL PRIMARY KEY,
    "instance_uuid" VARCHAR(36) NOT NULL REFERENCES "instances"("uuid") ON DELETE RESTRICT ON UPDATE CASCADE,
    "numa_topology" TEXT,
    "pci_requests" TEXT,
    "flavor" TEXT,
    "vcpu_model" TEXT,
    "migration_context" TEXT,
    "keypairs" TEXT,
    "device_metadata" TEXT,
    "trusted_certs" TEXT,
    "vpmems" TEXT,
    "resources" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3),
    "deleted_at" TIMESTAMP(3),
    "deleted" INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX "instance_extra_instance_uuid_key" ON "instance_extra"("instance_uuid");

CREATE TABLE "instance_metadata" (
    "id" SERIAL PRIMARY KEY,
    "instance_uuid" VARCHAR(36) NOT NULL REFERENCES "instances"("uuid") ON DELETE RESTRICT ON UPDATE CASCADE,
    "key" VARCHAR(255) NOT NULL,
    "value" VARCHAR(255),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3),
    "deleted_at" TIMESTAMP(3),
    "deleted" INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX "instance_metadata_instance_uuid_idx" ON "instance_metadata"("instance_uuid");

CREATE TABLE "instance_system_metadata" (
    "id" SERIAL PRIMARY KEY,
    "instance_uuid" VARCHAR(36) NOT NULL REFERENCES "instances"("uuid") ON DELETE RESTRICT ON UPDATE CASCADE,
    "key" VARCHAR(255) NOT NULL,
    "value" VARCHAR(255),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3),
    "deleted_at" TIMESTAMP(3),
    "deleted" INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX "instance_system_metadata_instance_uuid_idx" ON "instance_system_metadata"("instance_uuid");

CREATE TABLE "instance_faults" (
    "id" SERIAL PRIMARY KEY,
    "instance_uuid" VARCHAR(36) NOT NULL REFERENCES "instances"("uuid") ON DELETE RESTRICT ON UPDATE CASCADE,
    "code" INTEGER NOT NULL,
    "message" VARCHAR(255),
    "details" TEXT,
    "host" VARCHAR(255),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3),
    "deleted_at" TIMESTAMP(3),
    "deleted" INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX "instance_faults_instance_uuid_created_at_idx" ON "instance_faults"("instance_uuid", "created_at");

CREATE TABLE "instance_actions" (
    "id" SERIAL PRIMARY KEY,
    "action" VARCHAR(255),
    "instance_uuid" VARCHAR(36) NOT NULL REFERENCES "instances"("uuid") ON DELETE RESTRICT ON UPDATE CASCADE,
    "request_id" VARCHAR(255),
    "user_id" VARCHAR(255),
    "project_id" VARCHAR(255),
    "start_time" TIMESTAMP(3),
    "finish_time" TIMESTAMP(3),
    "message" VARCHAR(255),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3),
    "deleted_at" TIMESTAMP(3),
    "deleted" INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX "instance_actions_instance_uuid_request_id_key" ON "instance_actions"("instance_uuid", "request_id");
CREATE INDEX "instance_actions_request_id_idx" ON "instance_actions"("request_id");

CREATE TABLE "instance_actions_events" (
    "id" SERIAL PRIMARY KEY,
    "event" VARCHAR(255),
    "action_id" INTEGER NOT NULL REFERENCES "instance_actions"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    "start_time" TIMESTAMP(3),
    "finish_time" TIMESTAMP(3),
    "result" VARCHAR(255),
    "traceback" TEXT,
    "host" VARCHAR(255),
    "details" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3),
    "deleted_at" TIMESTAMP(3),
    "deleted" INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX "instance_actions_events_action_id_idx" ON "instance_actions_events"("action_id");

CREATE TABLE "instance_id_mappings" (
    "id" SERIAL PRIMARY KEY,
    "uuid" VARCHAR(36) NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3),
    "deleted_at" TIMESTAMP(3),
    "deleted" INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX "instance_id_mappings_uuid_idx" ON "instance_id_mappings"("uuid");

CREATE TABLE "services" (
    "id" SERIAL PRIMARY KEY,
    "uuid" VARCHAR(36),
    "host" VARCHAR(255),
    "binary" VARCHAR(255),
    "topic" VARCHAR(255),
    "report_count" INTEGER NOT NULL DEFAULT 0,
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "disabled_reason" VARCHAR(255),
    "last_seen_up" TIMESTAMP(3),
    "forced_down" BOOLEAN NOT NULL DEFAULT false,
    "version" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3),
    "deleted_at" TIMESTAMP(3),
    "deleted" INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX "services_uuid_key" ON "services"("uuid");
CREATE UNIQUE INDEX "services_host_binary_deleted_key" ON "services"("host", "binary", "deleted");
CREATE UNIQUE INDEX "services_host_topic_deleted_key" ON "services"("host", "topic", "deleted");

CREATE TABLE "compute_nodes" (
    "id" SERIAL PRIMARY KEY,
    "uuid" VARCHAR(36),
    "service_id" INTEGER REFERENCES "services"("id") ON DELETE SET NULL ON UPDATE CASCADE,
    "host" VARCHAR(255),
    "vcpus" INTEGER NOT NULL,
    "memory_mb" INTEGER NOT NULL,
    "local_gb" INTEGER NOT NULL,
    "vcpus_used" INTEGER NOT NULL DEFAULT 0,
    "memory_mb_used" INTEGER NOT NULL DEFAULT 0,
    "local_gb_used" INTEGER NOT NULL DEFAULT 0,
    "hypervisor_type" TEXT NOT NULL,
    "hypervisor_version" INTEGER NOT NULL,
    "hypervisor_hostname" VARCHAR(255),
    "free_ram_mb" INTEGER,
    "free_disk_gb" INTEGER,
    "current_workload" INTEGER,
    "running_vms" INTEGER,
    "cpu_info" TEXT NOT NULL,
    "disk_available_least" INTEGER,
    "host_ip" VARCHAR(39),
    "supported_instances" TEXT,
    "metrics" TEXT,
    "pci_stats" TEXT,
    "extra_resources" TEXT,
    "stats" TEXT,
    "numa_topology" TEXT,
    "ram_allocation_ratio" DOUBLE PRECISION,
    "cpu_allocation_ratio" DOUBLE PRECISION,
    "disk_allocation_ratio" DOUBLE PRECISION,
    "mapped" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3),
    "deleted_at" TIMESTAMP(3),
    "deleted" INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX "compute_nodes_uuid_key" ON "compute_nodes"("uuid");
CREATE UNIQUE INDEX "compute_nodes_host_hypervisor_hostname_deleted_key" ON "compute_nodes"("host", "hypervisor_hostname", "deleted");
CREATE INDEX "compute_nodes_mapped_idx" ON "compute_nodes"("mapped");

CREATE TABLE "pci_devices" (
    "id" SERIAL PRIMARY KEY,
    "uuid" VARCHAR(36),
    "compute_node_id" INTEGER NOT NULL REFERENCES "compute_nodes"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    "address" VARCHAR(12) NOT NULL,
    "vendor_id" VARCHAR(4) NOT NULL,
    "product_id" VARCHAR(4) NOT NULL,
    "dev_type" VARCHAR(8) NOT NULL,
    "dev_id" VARCHAR(255),
    "label" VARCHAR(255) NOT NULL,
    "status" VARCHAR(36) NOT NULL,
    "extra_info" TEXT,
    "instance_uuid" VARCHAR(36) REFERENCES "instances"("uuid") ON DELETE SET NULL ON UPDATE CASCADE,
    "request_id" VARCHAR(36),
    "numa_node" INTEGER,
    "parent_addr" VARCHAR(12),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3),
    "deleted_at" TIMESTAMP(3),
    "deleted" INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX "pci_devices_compute_node_id_address_deleted_key" ON "pci_devices"("compute_node_id", "address", "deleted");
CREATE INDEX "pci_devices_instance_uuid_idx" ON "pci_devices"("instance_uuid");

CREATE TABLE "block_device_mapping" (
    "id" SERIAL PRIMARY KEY,
    "uuid" VARCHAR(36),
    "instance_uuid" VARCHAR(36) NOT NULL REFERENCES "instances"("uuid") ON DELETE RESTRICT ON UPDATE CASCADE,
    "source_type" VARCHAR(255),
    "destination_type" VARCHAR(255),
    "guest_format" VARCHAR(255),
    "device_type" VARCHAR(255),
    "disk_bus" VARCHAR(255),
    "boot_index" INTEGER,
    "device_name" VARCHAR(255),
    "delete_on_termination" BOOLEAN NOT NULL DEFAULT false,
    "snapshot_id" VARCHAR(36),
    "volume_id" VARCHAR(36),
    "volume_size" INTEGER,
    "volume_type" VARCHAR(255),
    "image_id" VARCHAR(36),
    "no_device" BOOLEAN,
    "connection_info" TEXT,
    "tag" VARCHAR(255),
    "attachment_id" VARCHAR(36),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3),
    "deleted_at" TIMESTAMP(3),
    "deleted" INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX "block_device_mapping_uuid_key" ON "block_device_mapping"("uuid");
CREATE INDEX "block_device_mapping_instance_uuid_idx" ON "block_device_mapping"("instance_uuid");
CREATE INDEX "block_device_mapping_volume_id_idx" ON "block_device_mapping"("volume_id");

CREATE TABLE "virtual_interfaces" (
    "id" SERIAL PRIMARY KEY,
    "uuid" VARCHAR(36),
    "address" VARCHAR(255),
    "network_id" VARCHAR(36),
    "instance_uuid" VARCHAR(36) REFERENCES "instances"("uuid") ON DELETE SET NULL ON UPDATE CASCADE,
    "tag" VARCHAR(255),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3),
    "deleted_at" TIMESTAMP(3),
    "deleted" INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX "virtual_interfaces_address_deleted_key" ON "virtual_interfaces"("address", "deleted");
CREATE INDEX "virtual_interfaces_instance_uuid_idx" ON "virtual_interfaces"("instance_uuid");
