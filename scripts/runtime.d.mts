// Types of scripts/runtime.mjs, for the TypeScript that asks it where the runtime is.
export function runtimePackageDir(root: string, arch?: string): string;
export function runtimeBinary(root: string, arch?: string): string;
export function checkRuntime(root: string, arch?: string): Promise<string>;
export function lockedRuntime(root: string, arch?: string): { name: string; version: string; integrity: string };
