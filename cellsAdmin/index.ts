export { CellsAdminError, CellsUnavailableError, type CellsAdminErrorCode, type SilentCell } from './errors';
export type {
  ApiClient,
  CellClient,
  CellAccess,
  OpenCell,
  ReleaseCell,
  CellMapping,
  HostMapping,
  InstanceMapping,
} from './types';
export { CELL0_UUID, CELL0_NAME, isCell0 } from '../domain/cell0';
export { NO_TRANSPORT, isUuid } from './validation';
export { sameEndpoint } from './sameEndpoint';
export { findCell, getCell } from './findCell';
export { listCells } from './listCells';
export { listHosts, type HostWithCell } from './listHosts';
export { createCell, type CreateCellInput } from './createCell';
export { updateCell, type UpdateCellInput } from './updateCell';
export { setCellDisabled } from './setCellDisabled';
export { deleteCell, type DeleteCellResult } from './deleteCell';
export { discoverHosts, type DiscoveredHost, type DiscoverHostsOptions } from './discoverHosts';
export { mapCell0, type MapCell0Input } from './mapCell0';
export { simpleCellSetup, type SimpleCellSetupInput, type SimpleCellSetupResult } from './simpleCellSetup';
export { mapInstances, type MapInstancesOptions, type MapInstancesResult } from './mapInstances';
export { verifyInstance, verificationExitCode, type InstanceVerification } from './verifyInstance';
export {
  registerComputeNode,
  type ComputeNodeInput,
  type RegisteredComputeNode,
  type RegisterOptions,
} from './registerComputeNode';
export { quotaRecount, type QuotaRecountInput, type QuotaRecountResult } from './quotaRecount';
export type { RecountRow, UsageCount } from './usageTally';
