// The Proxmox VE API double: an in-test https server that answers as PVE's API does.
export { PveDouble, ALL_PRIVILEGES, type PveDoubleOptions, type PveTokenOptions, type PveRequestRecord, type FaultOptions } from './double.ts';
export { PveGuest, type AddGuestOptions, type GuestInterface } from './guest.ts';
export { pveCerts, type PveCerts } from './certs.ts';
export { formatUpid, parseUpid, type Task, type UpidFields } from './tasks.ts';
export type { WrongStateIn } from './power.ts';
export { pveProvider, guestRef, PVE_TOKEN_ID, PVE_SECRET } from './provider.ts';
