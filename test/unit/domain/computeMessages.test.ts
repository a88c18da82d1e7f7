import { parseComputeMessage } from '../../../domain/computeMessages';

describe('reading a compute message', () => {
  it('accepts a message the cell subgraph publishes', () => {
    const body = Buffer.from(
      JSON.stringify({
        method: 'stop_instance',
        instanceUuid: 'u',
        requestId: 'req-1',
        host: 'compute1',
        sentAt: 'now',
      }),
    );
    expect(parseComputeMessage(body)).toMatchObject({ method: 'stop_instance', host: 'compute1' });
  });

  it('returns an error for text that is not JSON, an unknown method, or missing fields', () => {
    expect(parseComputeMessage(Buffer.from('{'))).toBeInstanceOf(Error);
    expect(
      String(
        parseComputeMessage(
          Buffer.from(JSON.stringify({ method: 'format_disk', instanceUuid: 'u', requestId: 'r', host: 'h' })),
        ),
      ),
    ).toContain('unknown method "format_disk"');
    expect(String(parseComputeMessage(Buffer.from(JSON.stringify({ method: 'stop_instance', host: 'h' }))))).toContain(
      'lacks',
    );
  });
});
