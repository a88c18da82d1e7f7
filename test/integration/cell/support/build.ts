/** The scheduler's call, as the global subgraph makes it. */
export const BUILD = `mutation($input: BuildInstanceInput!) {
  buildInstance(input: $input) { uuid status vmState taskState host node flavor { id } memoryMb vcpus metadata { key value } systemMetadata { key value } extra { flavor keypairs } infoCache { networkInfo } fault { code message details } actions { action requestId events { event result } } }
}`;

export function buildInput(uuid: string, overrides: Record<string, unknown> = {}) {
  return {
    uuid,
    projectId: 'p1',
    userId: 'u1',
    displayName: 'web 1',
    flavor: {
      id: '3',
      flavorid: 'm1.small',
      name: 'm1.small',
      memoryMb: 2048,
      vcpus: 2,
      rootGb: 20,
      ephemeralGb: 5,
      swap: 0,
    },
    imageRef: 'img-1',
    keyName: 'mykey',
    metadata: [{ key: 'role', value: 'web' }],
    securityGroups: ['default'],
    requestId: `req-${uuid}`,
    ...overrides,
  };
}
