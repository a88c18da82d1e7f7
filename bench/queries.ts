/** The GraphQL operations the scenarios send. */

// Nova's `GET /servers/detail` fields, as Cells names them.
const DETAIL_FIELDS = `uuid status displayName projectId userId host node vmState taskState powerState
  keyName imageRef availabilityZone accessIpV4 accessIpV6 locked createdAt updatedAt launchedAt terminatedAt
  metadata { key value } infoCache { networkInfo } fault { code message createdAt }
  blockDeviceMappings { volumeId deleteOnTermination }`;

const CONNECTION_TAIL = 'pageInfo { hasNextPage endCursor } complete cells { cellUuid cellName status message }';

/** list-1000-detail and list-1000-next-page through the gateway: detail fields plus two joins to the global subgraph. */
export const LIST_DETAIL = `query ListDetail($first: Int, $after: String) {
  instances(filter: { allProjects: true }, sort: [{ key: CREATED_AT, direction: DESC }], first: $first, after: $after) {
    edges { cursor node { ${DETAIL_FIELDS} flavor { name vcpus } cell { name } } }
    ${CONNECTION_TAIL}
  }
}`;

/** The same page sent straight to one cell subgraph: the fields a cell owns (flavor by id, no cell). */
export const LIST_DETAIL_DIRECT = `query ListDetailDirect($first: Int, $after: String) {
  instances(filter: { allProjects: true }, sort: [{ key: CREATED_AT, direction: DESC }], first: $first, after: $after) {
    edges { cursor node { ${DETAIL_FIELDS} flavor { id } } }
    ${CONNECTION_TAIL}
  }
}`;

/** A dashboard page. */
export const LIST_DASHBOARD = `query Dashboard($first: Int) {
  instances(filter: { allProjects: true }, first: $first) {
    edges { node { uuid status displayName host flavor { name } } }
    ${CONNECTION_TAIL}
  }
}`;

/** One instance with every nested field, its flavor, cell and mapping. */
export const INSTANCE_BY_UUID = `query One($uuid: ID!) {
  instance(uuid: $uuid) {
    uuid status displayName displayDescription hostname projectId userId host node vmState taskState
    powerState powerStateName memoryMb vcpus rootGb ephemeralGb keyName imageRef availabilityZone
    launchIndex reservationId accessIpV4 accessIpV6 configDrive progress locked lockedBy
    createdAt updatedAt launchedAt terminatedAt deletedAt deleted
    metadata { key value } systemMetadata { key value } infoCache { networkInfo updatedAt }
    extra { numaTopology pciRequests flavor vcpuModel migrationContext keypairs deviceMetadata trustedCerts resources }
    faults { code message details host createdAt } fault { code message }
    actions { id action requestId userId projectId startTime finishTime message events { event startTime finishTime result traceback host details } }
    blockDeviceMappings { uuid sourceType destinationType deviceType diskBus bootIndex deviceName deleteOnTermination snapshotId volumeId volumeSize volumeType imageId guestFormat tag }
    virtualInterfaces { uuid address networkId tag }
    pciDevices { uuid address vendorId productId devType devId label status numaNode parentAddr }
    flavor { id name vcpus memoryMb rootGb }
    cell { uuid name }
    mapping { projectId userId queuedForDelete }
  }
}`;

/** Every field of Instance, nested lists included; shared by the field and SQL-count tests. */
export const ALL_INSTANCE_FIELDS = `
  uuid status displayName displayDescription hostname projectId userId host node vmState taskState
  powerState powerStateName flavor { id } memoryMb vcpus rootGb ephemeralGb keyName imageRef
  availabilityZone launchIndex reservationId accessIpV4 accessIpV6 configDrive progress locked lockedBy
  createdAt updatedAt launchedAt terminatedAt deletedAt deleted
  metadata { key value }
  systemMetadata { key value }
  infoCache { networkInfo updatedAt }
  extra { numaTopology pciRequests flavor vcpuModel migrationContext keypairs deviceMetadata trustedCerts resources }
  faults { code message details host createdAt }
  fault { code message }
  actions { id action requestId userId projectId startTime finishTime message events { event startTime finishTime result traceback host details } }
  blockDeviceMappings { uuid sourceType destinationType deviceType diskBus bootIndex deviceName deleteOnTermination snapshotId volumeId volumeSize volumeType imageId guestFormat tag }
  virtualInterfaces { uuid address networkId tag }
  pciDevices { uuid address vendorId productId devType devId label status numaNode parentAddr }
`;
