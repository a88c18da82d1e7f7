import { type GraphQLError } from 'graphql';
import { cidr, validRule } from '../../../../../subgraphs/global/securityGroups/ruleInput';

function refusal(fn: () => unknown): GraphQLError {
  try {
    fn();
  } catch (err) {
    return err as GraphQLError;
  }
  throw new Error('expected a refusal');
}

describe('security group rule input', () => {
  it('lower-cases the protocol and keeps the ports', () => {
    expect(validRule({ protocol: 'UDP', fromPort: 53, toPort: 53 }, 'input')).toEqual({
      protocol: 'udp',
      fromPort: 53,
      toPort: 53,
      cidr: null,
    });
  });

  it('accepts the edges of the port and ICMP ranges', () => {
    expect(() => validRule({ protocol: 'tcp', fromPort: 1, toPort: 65535 }, 'r')).not.toThrow();
    expect(() => validRule({ protocol: 'icmp', fromPort: -1, toPort: 255 }, 'r')).not.toThrow();
  });

  it('names the field with the caller’s prefix', () => {
    const err = refusal(() => validRule({ protocol: 'tcp', fromPort: 10, toPort: 9 }, 'rules[2]'));
    expect(err.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'rules[2].toPort' });
    expect(err.message).toBe('rules[2].toPort: expected a port at least fromPort (10), got 9');
  });

  it.each(['0.0.0.0/0', '10.0.0.0/8', '192.168.1.1/32', '::/0', '2001:db8::/128'])('accepts the CIDR %s', (value) => {
    expect(cidr('c', value)).toBe(value);
  });

  it.each([
    '10.0.0.0',
    '10.0.0.0/',
    '10.0.0/8',
    '300.0.0.0/8',
    '10.0.0.0/33',
    '2001:db8::/129',
    'host/24',
    '10.0.0.0/8/8',
  ])('refuses the CIDR %s', (value) => {
    expect(refusal(() => cidr('input.cidr', value)).message).toContain(JSON.stringify(value));
  });
});
