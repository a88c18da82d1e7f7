import { SORT_FIELDS, type SortSpec } from '../../domain/instanceOrder';

/**
 * The `instances` columns each field of the cell's `Instance` type reads. A list page selects
 * only the columns of the fields its `edges { node { … } }` asks for (plus KEY_COLUMNS and the
 * sort's columns) instead of all 54: the dashboard's page of 50 spent a third of the cell's
 * CPU parsing and copying columns nobody asked for, and Nova's `user_data` and `key_data` are
 * texts of up to 64 KB per row. A field missing here makes the page select every column, so
 * a field added to the schema and not here is slower, never wrong (a test keeps the two in step).
 */
export const INSTANCE_FIELD_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  __typename: [],
  uuid: ['uuid'],
  status: ['vm_state', 'task_state'],
  displayName: ['display_name'],
  displayDescription: ['display_description'],
  hostname: ['hostname'],
  projectId: ['project_id'],
  userId: ['user_id'],
  host: ['host'],
  node: ['node'],
  vmState: ['vm_state'],
  taskState: ['task_state'],
  powerState: ['power_state'],
  powerStateName: ['power_state'],
  flavor: ['instance_type_id'],
  memoryMb: ['memory_mb'],
  vcpus: ['vcpus'],
  rootGb: ['root_gb'],
  ephemeralGb: ['ephemeral_gb'],
  keyName: ['key_name'],
  imageRef: ['image_ref'],
  availabilityZone: ['availability_zone'],
  launchIndex: ['launch_index'],
  reservationId: ['reservation_id'],
  accessIpV4: ['access_ip_v4'],
  accessIpV6: ['access_ip_v6'],
  configDrive: ['config_drive'],
  progress: ['progress'],
  locked: ['locked'],
  lockedBy: ['locked_by'],
  createdAt: ['created_at'],
  updatedAt: ['updated_at'],
  launchedAt: ['launched_at'],
  terminatedAt: ['terminated_at'],
  deletedAt: ['deleted_at'],
  deleted: ['deleted'],
  // Loaded by the instance's uuid (a key column).
  metadata: [],
  systemMetadata: [],
  infoCache: [],
  extra: [],
  faults: [],
  fault: [],
  actions: [],
  blockDeviceMappings: [],
  virtualInterfaces: [],
  pciDevices: [],
};

/** Read for every row whatever is asked: the nested lists' key and who owns the instance. */
const KEY_COLUMNS = ['id', 'uuid', 'project_id', 'user_id'];

/**
 * The columns a page whose nodes select `fieldNames` needs under `sort` (the cursor reads the
 * sort's columns), in the table's order of first mention; null when a name is not in
 * INSTANCE_FIELD_COLUMNS, meaning every column.
 */
export function pageColumns(fieldNames: Iterable<string>, sort: readonly SortSpec[]): string[] | null {
  const columns = new Set(KEY_COLUMNS);
  for (const spec of sort) columns.add(SORT_FIELDS[spec.key].column);
  for (const name of fieldNames) {
    if (!Object.hasOwn(INSTANCE_FIELD_COLUMNS, name)) return null;
    for (const column of INSTANCE_FIELD_COLUMNS[name]) columns.add(column);
  }
  return [...columns];
}
