/**
 * Where a service's traffic goes. Most services name their target in the config; a Proxmox guest
 * names a port, and its address is asked of the provider while it wakes, because a guest that
 * starts may come back with another DHCP lease. The proxy, the TCP listener and the probes read
 * the current address through this one object.
 */
import { formatHostPort, type ServiceConfig } from '../config/index.ts';
import type { Upstream } from '../health/index.ts';
import type { Provider, WorkloadRef } from '../provider/index.ts';

/** A derived address asked for before the wake learned it (a race no ready service can hit). */
export class AddressUnknownError extends Error {
  override readonly name = 'AddressUnknownError';
  constructor(service: string) {
    super(`service "${service}": the workload's address is not known yet`);
  }
}

/** The workload has no address on the interface drowse looks at (yet): the wake keeps asking. */
export class NoAddressError extends Error {
  override readonly name = 'NoAddressError';
  constructor(workload: string, iface: string | undefined) {
    super(`${workload} has no IPv4 address${iface === undefined ? '' : ` on ${iface}`} yet`);
  }
}

/** The upstream of one service. */
export class ServiceUpstream implements Upstream {
  readonly #config: Pick<ServiceConfig, 'name' | 'http' | 'tcp' | 'address'>;
  readonly #fixedHttp: URL | undefined;
  #host: string | undefined;
  readonly learn: Upstream['learn'];

  /** `workload` is asked for the address when the config derives it, and only then. */
  constructor(config: Pick<ServiceConfig, 'name' | 'http' | 'tcp' | 'address'>, workload?: { readonly provider: Provider; readonly ref: WorkloadRef }) {
    this.#config = config;
    this.#fixedHttp = config.http?.target === undefined ? undefined : new URL(config.http.target);
    const derive = config.address;
    if (!derive) return;
    if (!workload) throw new Error(`service "${config.name}": a derived address needs the workload to ask`);
    const { provider, ref } = workload;
    const address = provider.address?.bind(provider);
    if (!address) throw new Error(`service "${config.name}": provider "${provider.name}" cannot tell a workload's address; give http.target / tcp.target`);
    // Asked once per wake: the first successful check keeps it until the next wake forgets it.
    this.learn = async (signal) => {
      if (this.#host !== undefined) return;
      const host = await address(ref, derive, signal);
      if (host === undefined) throw new NoAddressError(`${provider.kind} workload "${ref.id}"`, derive.interface);
      this.#host = host;
    };
  }

  /** True when the address is learned from the workload rather than fixed by the config. */
  get derived(): boolean {
    return this.learn !== undefined;
  }

  /** A wake begins: the workload may come back at another address. */
  forget(): void {
    if (this.derived) this.#host = undefined;
  }

  http(): URL | undefined {
    const http = this.#config.http;
    if (!http) return undefined;
    if (this.#fixedHttp) return this.#fixedHttp;
    const host = this.#host;
    if (host === undefined || http.port === undefined) return undefined;
    return new URL(`http://${host.includes(':') ? `[${host}]` : host}:${http.port}`);
  }

  tcp(): { readonly host: string; readonly port: number } | undefined {
    const tcp = this.#config.tcp;
    if (!tcp) return undefined;
    if (tcp.target) return tcp.target;
    return this.#host === undefined || tcp.port === undefined ? undefined : { host: this.#host, port: tcp.port };
  }

  /** The HTTP target for forwarding; throws for a derived one not learned yet. */
  httpTarget(): URL {
    const url = this.http();
    if (!url) throw new AddressUnknownError(this.#config.name);
    return url;
  }

  /** The TCP target for piping; throws for a derived one not learned yet. */
  tcpTarget(): { readonly host: string; readonly port: number } {
    const t = this.tcp();
    if (!t) throw new AddressUnknownError(this.#config.name);
    return t;
  }

  /** For /status: the target as it stands, or how it will be found. */
  describe(): string | undefined {
    const { http, tcp } = this.#config;
    if (!http && !tcp) return undefined;
    const known = http ? this.http()?.origin : this.tcp() && formatHostPort(this.tcp() as { host: string; port: number });
    if (known !== undefined) return known;
    const port = http ? http.port : tcp?.port;
    return `the workload's address, port ${String(port)} (learned when it wakes)`;
  }
}
