import { Injectable } from '@nestjs/common';
import {
  collectDefaultMetrics,
  Counter,
  CounterConfiguration,
  Gauge,
  GaugeConfiguration,
  Histogram,
  HistogramConfiguration,
  Metric,
  Registry,
} from 'prom-client';

/**
 * The process's Prometheus registry. Every lib registers its metrics here (the jobs lib its queue depth and failures,
 * for instance) and `/metrics` renders them all. One registry per app instance rather than prom-client's global one,
 * so two apps in one process (tests) never share or clash over series.
 *
 * Label values must come from small, fixed sets: route patterns, queue names, states, status codes. Never an id, a URL,
 * a host, an email or anything a patient typed: labels are stored and shipped to monitoring systems outside the PHI
 * boundary, and every distinct value is a new series.
 */
@Injectable()
export class MetricsRegistry {
  readonly registry = new Registry();

  constructor() {
    // Process metrics: CPU, memory, heap, event loop lag, GC, handles. Standard names, so stock dashboards work.
    collectDefaultMetrics({ register: this.registry });
  }

  /** Get-or-create, so a module that registers its metrics on init can be instantiated twice without a clash. */
  counter<L extends string>(config: Omit<CounterConfiguration<L>, 'registers'>): Counter<L> {
    return this.existing(config.name, Counter) ?? new Counter({ ...config, registers: [this.registry] });
  }

  gauge<L extends string>(config: Omit<GaugeConfiguration<L>, 'registers'>): Gauge<L> {
    return this.existing(config.name, Gauge) ?? new Gauge({ ...config, registers: [this.registry] });
  }

  histogram<L extends string>(config: Omit<HistogramConfiguration<L>, 'registers'>): Histogram<L> {
    return this.existing(config.name, Histogram) ?? new Histogram({ ...config, registers: [this.registry] });
  }

  /** The Prometheus text exposition of every metric. Gauges with a `collect` callback are refreshed now. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private existing<T extends Metric>(name: string, type: abstract new (...args: never[]) => T): T | undefined {
    const metric = this.registry.getSingleMetric(name);
    if (!metric) return undefined;
    if (!(metric instanceof type)) throw new Error(`metric ${name} is already registered as another type`);
    return metric;
  }
}
