import { composeSupergraph, CompositionError, expectedCellSdl, readSubgraphSdls } from '../../../gateway/supergraph';

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
});
