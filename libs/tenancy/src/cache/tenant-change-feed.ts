import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { AppConfig, directUrl } from '@consilium/core';
import { Client } from 'pg';

/** Writes to tenants, tenant_domains, tenant_assets (foundation migration). */
export const TENANT_CHANGED_CHANNEL = 'consilium_tenant_changed';
/** Writes to catalog, roster, funding and marketing content tables (sites migration). */
export const CONTENT_CHANGED_CHANNEL = 'consilium_content_changed';

/** Called with the tenant whose data changed; with no id, everything must be dropped (the feed was lost). */
export type ChangeHandler = (tenantId?: string) => void;

/**
 * One LISTEN connection per process for every cache that holds tenant data. Triggers NOTIFY at commit; each instance
 * drops what changed, so an edit made through any instance (or the CLI) shows on all of them within milliseconds.
 * While the connection is down `listening` is false and callers must not cache: nothing would tell them to drop it.
 */
@Injectable()
export class TenantChangeFeed implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(TenantChangeFeed.name);
  private readonly handlers = new Map<string, ChangeHandler[]>([
    [TENANT_CHANGED_CHANNEL, []],
    [CONTENT_CHANGED_CHANNEL, []],
  ]);
  private client?: Client;
  private connected = false;
  private stopped = false;
  private reconnectDelay = 250;

  constructor(private readonly config: AppConfig) {}

  get listening(): boolean {
    return this.connected;
  }

  on(channel: typeof TENANT_CHANGED_CHANNEL | typeof CONTENT_CHANGED_CHANNEL, handler: ChangeHandler): void {
    this.handlers.get(channel)!.push(handler);
  }

  async onModuleInit(): Promise<void> {
    await this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.client?.end().catch(() => undefined);
  }

  private emit(channel: string, tenantId?: string): void {
    for (const handler of this.handlers.get(channel) ?? []) handler(tenantId);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({ connectionString: directUrl(this.config.database), application_name: 'consilium-tenant-listener' });
    client.on('notification', (message) => this.emit(message.channel, message.payload || undefined));
    client.on('error', (error) => this.onLost(client, error));
    client.on('end', () => this.onLost(client));
    this.client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${TENANT_CHANGED_CHANNEL}; LISTEN ${CONTENT_CHANGED_CHANNEL}`);
      this.connected = true;
      this.reconnectDelay = 250;
    } catch (error) {
      await client.end().catch(() => undefined);
      this.onLost(client, error);
    }
  }

  private onLost(client: Client, error?: unknown): void {
    if (this.stopped || this.client !== client) return;
    if (this.connected) this.logger.warn({ err: error }, 'tenant change listener lost; caching paused until it reconnects');
    this.connected = false;
    this.client = undefined;
    for (const channel of this.handlers.keys()) this.emit(channel);
    const delay = this.reconnectDelay;
    this.reconnectDelay = Math.min(delay * 2, 10000);
    setTimeout(() => void this.connect(), delay).unref();
  }
}
