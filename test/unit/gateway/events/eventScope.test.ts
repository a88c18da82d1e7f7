import { identityOf } from '../../../../domain/identity';
import { inScope, scopeOf } from '../../../../gateway/events/eventScope';

const tenant = identityOf('u1', 'demo', ['member']);
const admin = identityOf('a1', 'admin', ['admin']);
const UUID = '6d9f0b5e-1111-4000-8000-000000000001';

describe('the scope of an instance event subscription, as instance lists scope theirs', () => {
  it('gives a tenant its own project, whatever else it asks', () => {
    expect(scopeOf(tenant, null)).toEqual({ projectId: 'demo', uuids: null });
    expect(scopeOf(tenant, { projectId: 'demo' })).toEqual({ projectId: 'demo', uuids: null });
    expect(scopeOf(tenant, { uuids: [UUID] })).toEqual({ projectId: 'demo', uuids: new Set([UUID]) });
  });

  it('gives an admin its own project, another with projectId, or every one with allProjects (projectId first)', () => {
    expect(scopeOf(admin, {}).projectId).toBe('admin');
    expect(scopeOf(admin, { projectId: 'demo' }).projectId).toBe('demo');
    expect(scopeOf(admin, { allProjects: true }).projectId).toBeNull();
    expect(scopeOf(admin, { allProjects: true, projectId: 'demo' }).projectId).toBe('demo');
  });

  it('refuses what a tenant may not ask for, naming the field and the value', () => {
    expect(() => scopeOf(tenant, { projectId: 'alt_demo' })).toThrow(
      expect.objectContaining({
        message: `filter.projectId: only administrators may subscribe to another project's events, got "alt_demo"`,
        extensions: expect.objectContaining({ code: 'FORBIDDEN' }),
      }),
    );
    expect(() => scopeOf(tenant, { allProjects: true })).toThrow(/filter\.allProjects: only administrators/);
  });

  it('refuses values that are not what the fields hold', () => {
    const refused = (filter: Record<string, unknown>) => {
      try {
        scopeOf(admin, filter);
      } catch (err) {
        return err as { message: string; extensions: Record<string, unknown> };
      }
      throw new Error('accepted');
    };
    expect(refused({ projectId: 'two words' })).toMatchObject({
      message: expect.stringMatching(/^filter\.projectId: expected a project id matching .*, got "two words"$/),
      extensions: { code: 'BAD_USER_INPUT', field: 'filter.projectId' },
    });
    expect(refused({ projectId: 'a\u0000b' }).extensions.field).toBe('filter.projectId');
    expect(refused({ uuids: [UUID, 'nope'] })).toMatchObject({
      message: 'filter.uuids[1]: expected an instance uuid, got "nope"',
      extensions: { field: 'filter.uuids[1]' },
    });
    expect(refused({ uuids: [] }).message).toBe('filter.uuids: expected at least one instance uuid, got []');
    expect(refused({ uuids: Array.from({ length: 1001 }, () => UUID) }).message).toBe(
      'filter.uuids: expected at most 1000 uuids, got "1001 uuids"',
    );
  });

  it('matches events of the project and, when named, of those instances only (uuids in any case)', () => {
    const event = { projectId: 'demo', instanceUuid: UUID };
    expect(inScope({ projectId: 'demo', uuids: null }, event)).toBe(true);
    expect(inScope({ projectId: 'alt_demo', uuids: null }, event)).toBe(false);
    expect(inScope({ projectId: null, uuids: null }, event)).toBe(true);
    expect(inScope({ projectId: null, uuids: new Set([UUID]) }, { ...event, instanceUuid: UUID.toUpperCase() })).toBe(
      true,
    );
    expect(inScope({ projectId: 'demo', uuids: new Set(['6d9f0b5e-1111-4000-8000-000000000002']) }, event)).toBe(false);
    expect(inScope({ projectId: 'demo', uuids: null }, { ...event, projectId: null })).toBe(false);
  });
});
