import { canSeeProject, listScope, oneProject, requireAdmin } from '../../../../subgraphs/global/access';
import type { Identity } from '../../../../domain/identity';

const member: Identity = { userId: 'u', projectId: 'p1', roles: ['member'], isAdmin: false };
const admin: Identity = { userId: 'a', projectId: 'ops', roles: ['admin'], isAdmin: true };
const forbidden = expect.objectContaining({ extensions: { code: 'FORBIDDEN' } });

describe('who may see which project', () => {
  it('keeps a member to their own project and refuses naming another', () => {
    expect(oneProject(member, undefined)).toBe('p1');
    expect(oneProject(member, 'p1')).toBe('p1');
    expect(() => oneProject(member, 'p2')).toThrow(forbidden);
    expect(() => listScope(member, { allProjects: true })).toThrow(forbidden);
  });

  it('lets an admin name any project or ask for all of them', () => {
    expect(oneProject(admin, 'p2')).toBe('p2');
    expect(listScope(admin, { allProjects: true })).toBeUndefined();
    expect(listScope(admin, { allProjects: true, projectId: 'p3' })).toBe('p3');
    expect(listScope(admin, {})).toBe('ops');
  });

  it('shows rows of one’s own project, and every row to admins', () => {
    expect(canSeeProject(member, 'p1')).toBe(true);
    expect(canSeeProject(member, 'p2')).toBe(false);
    expect(canSeeProject(admin, 'p2')).toBe(true);
  });

  it('refuses admin-only actions to members, naming the action', () => {
    expect(() => requireAdmin(member, 'createFlavor')).toThrow('createFlavor is for admins only');
    expect(() => requireAdmin(admin, 'createFlavor')).not.toThrow();
  });
});
