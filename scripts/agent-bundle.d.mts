// Types of scripts/agent-bundle.mjs, for the TypeScript that bundles agents the way the build does.
import type { BuildOptions } from 'esbuild';

export function agentEntry(name: string, metadataXml: string, start?: string): string;
export function agentBundleOptions(root: string, name: string, metadataXml: string, start?: string): BuildOptions;
