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
export { NO_TRANSPORT, isUuid } from './errors';
export {
  sameEndpoint,
  findCell,
  getCell,
  listCells,
  createCell,
  updateCell,
  setCellDisabled,
  deleteCell,
  cellFromMapping,
  type CellTarget,
  type CreateCellInput,
  type UpdateCellInput,
  type DeleteCellResult,
} from './cells';
export {
  listHosts,
  discoverHosts,
  registerComputeNode,
  type HostWithCell,
  type DiscoveredHost,
  type DiscoverHostsOptions,
  type ComputeNodeInput,
  type RegisteredComputeNode,
  type RegisterOptions,
} from './hosts';
export {
  mapCell0,
  simpleCellSetup,
  mapInstances,
  verifyInstance,
  verificationExitCode,
  type MapCell0Input,
  type SimpleCellSetupInput,
  type SimpleCellSetupResult,
  type MapInstancesOptions,
  type MapInstancesResult,
  type InstanceVerification,
} from './instances';
export {
  quotaRecount,
  type QuotaRecountInput,
  type QuotaRecountResult,
  type RecountRow,
  type UsageCount,
} from './quotaRecount';
