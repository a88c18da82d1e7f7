import type { ApolloServerPlugin } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
} from '@apollo/server/plugin/disabled';

/**
 * Turns off the two plugins Apollo Server installs by default that hook every field:
 * inline traces (only Apollo's cloud usage reporting reads them) and cache control
 * (Cells sets no cache hints). Any `willResolveField` hook makes Apollo wrap every
 * resolver, which on a page of 1000 instances is tens of thousands of calls.
 */
export function leanPlugins<T extends object>(): ApolloServerPlugin<T>[] {
  return [ApolloServerPluginInlineTraceDisabled(), ApolloServerPluginCacheControlDisabled()] as ApolloServerPlugin<T>[];
}
