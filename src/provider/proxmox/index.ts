export { createProxmoxBackend } from './backend.ts';
export { ProxmoxProvider, type ProxmoxProviderOptions } from './proxmox-provider.ts';
export { PveClient, PveHttpError, PveTimeoutError, PveFingerprintError, type PveClientOptions, type PveParams } from './client.ts';
export { PveTaskError, waitForTask, upidNode, taskType, taskSucceeded, type WaitTaskOptions } from './tasks.ts';
export { toProviderError, isLocked, isNotOnNode } from './errors.ts';
