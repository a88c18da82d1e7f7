import { isIP } from 'node:net';
import { badInput } from '../../../domain/errors';

export type Protocol = 'tcp' | 'udp' | 'icmp';

export interface RuleInput {
  protocol: string;
  fromPort: number;
  toPort: number;
  cidr?: string | null;
}

export interface ValidRule {
  protocol: Protocol;
  fromPort: number;
  toPort: number;
  cidr: string | null;
}

/** Everywhere, when a rule names neither a CIDR nor a source group. */
export const ANYWHERE = '0.0.0.0/0';

/**
 * Nova's rule checks: tcp/udp ports 1-65535 with from <= to; icmp type and code
 * -1..255 (-1 = any); a CIDR as address/prefix that node:net accepts.
 */
export function validRule(input: RuleInput, prefix: string): ValidRule {
  const protocol = input.protocol.toLowerCase();
  switch (protocol) {
    case 'tcp':
    case 'udp':
      port(`${prefix}.fromPort`, input.fromPort, 1, 65535);
      port(`${prefix}.toPort`, input.toPort, 1, 65535);
      if (input.fromPort > input.toPort)
        throw badInput(`${prefix}.toPort`, input.toPort, `a port at least fromPort (${input.fromPort})`);
      break;
    case 'icmp':
      port(`${prefix}.fromPort`, input.fromPort, -1, 255, 'an ICMP type from -1 (any) to 255');
      port(`${prefix}.toPort`, input.toPort, -1, 255, 'an ICMP code from -1 (any) to 255');
      break;
    default:
      throw badInput(`${prefix}.protocol`, input.protocol, 'one of tcp, udp, icmp');
  }
  return {
    protocol,
    fromPort: input.fromPort,
    toPort: input.toPort,
    cidr: input.cidr == null ? null : cidr(`${prefix}.cidr`, input.cidr),
  };
}

function port(field: string, value: number, min: number, max: number, expected = `a port from ${min} to ${max}`): void {
  if (!Number.isInteger(value) || value < min || value > max) throw badInput(field, value, expected);
}

/** An IPv4 or IPv6 network in CIDR notation (address/prefix length). */
export function cidr(field: string, value: string): string {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(value);
  const version = match ? isIP(match[1]) : 0;
  const bits = match ? Number(match[2]) : NaN;
  if (!match || version === 0 || bits > (version === 4 ? 32 : 128)) {
    throw badInput(field, value, 'a CIDR such as 10.0.0.0/8 or 2001:db8::/32');
  }
  return value;
}
