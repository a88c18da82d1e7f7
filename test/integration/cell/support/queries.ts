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
