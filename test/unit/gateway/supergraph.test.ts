import {
  composeSupergraph,
  CompositionError,
  expectedCellSdl,
  readSubgraphSdls,
  UNROUTED_CELL_FIELDS,
} from '../../../gateway/supergraph';

describe('the supergraph', () => {
  it('composes the global and cell SDLs into one graph with both subgraphs', () => {
    const supergraph = composeSupergraph();
    expect(supergraph).toMatch(/CELL @join__graph\(name: "cell"/);
    expect(supergraph).toMatch(/GLOBAL @join__graph\(name: "global"/);
  });

  it("composes in the gateway's own Subscription, so tooling sees it", () => {
    const supergraph = composeSupergraph();
    expect(supergraph).toMatch(/subscription: Subscription/);
    expect(supergraph).toMatch(/type Subscription\s+@join__type\(graph: EVENTS\)/);
    expect(supergraph).toMatch(/instanceEvents\(filter: InstanceEventFilter\): InstanceEvent!/);
  });

  it('fails with every composition error when the SDLs stop composing', () => {
    const sdls = readSubgraphSdls();
    const broken = { ...sdls, cell: sdls.cell.replace('type CellResult {', 'type CellResult { cellUuid: Int!') };
    expect(() => composeSupergraph(broken)).toThrow(CompositionError);
  });

  it('expects cells to serve the cell SDL as the subgraph library prints it', () => {
    expect(expectedCellSdl()).toMatch(/type Instance\s+@key\(fields: "uuid"\)/);
  });

  it('leaves out the cell fields the router cannot route yet, and the types only they use', () => {
    const supergraph = composeSupergraph();
    for (const field of UNROUTED_CELL_FIELDS) expect(supergraph).not.toMatch(new RegExp(`\\b${field}\\(|\\b${field}:`));
    // What only they used goes; what instances share stays.
    expect(supergraph).toMatch(/type CellResult\b/);
    expect(supergraph).toMatch(/type PageInfo\b/);
    expect(supergraph).toMatch(/instances\(filter: InstanceFilter/);
  });

  it('composes the host listings the router merges across cells', () => {
    const supergraph = composeSupergraph();
    expect(supergraph).toMatch(/computeServices\(filter: ComputeServiceFilter/);
    expect(supergraph).toMatch(/computeNodes\(filter: ComputeNodeFilter/);
    expect(supergraph).toMatch(/type ComputeServiceConnection\b/);
    expect(supergraph).toMatch(/cellSummaries: \[CellSummaryResult!\]!/);
  });

  it('still expects cells to serve those fields, which an admin can ask a cell directly', () => {
    for (const field of UNROUTED_CELL_FIELDS) expect(expectedCellSdl()).toMatch(new RegExp(`\\b${field}\\b`));
  });
});
