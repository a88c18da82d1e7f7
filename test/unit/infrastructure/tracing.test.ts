import { otlpEndpoint, startTracing } from '../../../infrastructure/tracing';

describe('the OTLP endpoint from the environment', () => {
  it('is off when neither endpoint variable is set', () => {
    expect(otlpEndpoint({})).toBeUndefined();
    expect(otlpEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' })).toBeUndefined();
    expect(startTracing('cells-gateway', { env: {} })).toEqual({ enabled: false });
  });

  it('sends traces to /v1/traces under OTEL_EXPORTER_OTLP_ENDPOINT', () => {
    expect(otlpEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(
      'http://collector:4318/v1/traces',
    );
    expect(otlpEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toBe(
      'http://collector:4318/v1/traces',
    );
  });

  it('takes OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as it is, before the general one', () => {
    expect(
      otlpEndpoint({
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/otlp',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      }),
    ).toBe('https://traces.example/otlp');
  });

  it('refuses a value that is not an http(s) URL, naming the variable and the value', () => {
    expect(() => otlpEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(
      'OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL, got "collector:4318"',
    );
    expect(() => otlpEndpoint({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'not a url' })).toThrow(
      'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must be an http(s) URL, got "not a url"',
    );
  });
});
