/** Cell0's uuid, as in Nova: the cell of instances that failed scheduling. */
export const CELL0_UUID = '00000000-0000-0000-0000-000000000000';
export const CELL0_NAME = 'cell0';

export function isCell0(cell: { uuid: string }): boolean {
  return cell.uuid === CELL0_UUID;
}
