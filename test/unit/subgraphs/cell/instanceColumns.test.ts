import { pageColumns } from '../../../../subgraphs/cell/instanceColumns';

describe('pageColumns', () => {
  it('reads the key columns, the sort columns and each field’s own, once each', () => {
    expect(
      pageColumns(['status', 'vmState', 'flavor', 'metadata'], [{ key: 'DISPLAY_NAME', direction: 'ASC' }]),
    ).toEqual(['id', 'uuid', 'project_id', 'user_id', 'display_name', 'vm_state', 'task_state', 'instance_type_id']);
  });

  it('reads every column for a field it does not know, and never takes a name as a column', () => {
    expect(pageColumns(['uuid', 'userData'], [])).toBeNull();
    expect(pageColumns(['constructor'], [])).toBeNull();
    expect(pageColumns(['"; DROP TABLE instances; --'], [])).toBeNull();
  });
});
