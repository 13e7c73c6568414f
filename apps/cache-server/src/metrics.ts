import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Why an upload was refused; the label of nx_cache_uploads_rejected_total. */
export type RejectReason = 'unauthenticated' | 'read-only-token' | 'exists' | 'too-large' | 'malformed' | 'incomplete' | 'error';

/**
 * The cache server's Prometheus metrics (GET /metrics): requests by method and status with their
 * latency, hits and misses, bytes in and out, uploads refused by reason, the filesystem store's
 * size and its evictions.
 */
export class CacheMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'nx_cache_requests_total',
    help: 'Requests by method and status',
    labelNames: ['method', 'status'],
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'nx_cache_request_duration_seconds',
    help: 'Request latency, from the first byte in to the last byte out',
    labelNames: ['method'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [this.registry],
  });
  private readonly hits = new Counter({ name: 'nx_cache_hits_total', help: 'GET and HEAD answered from the store', registers: [this.registry] });
  private readonly misses = new Counter({ name: 'nx_cache_misses_total', help: 'GET and HEAD of an entry not stored', registers: [this.registry] });
  private readonly bytesOut = new Counter({ name: 'nx_cache_bytes_sent_total', help: 'Artifact bytes served', registers: [this.registry] });
  private readonly bytesIn = new Counter({ name: 'nx_cache_bytes_received_total', help: 'Artifact bytes stored', registers: [this.registry] });
  private readonly rejected = new Counter({
    name: 'nx_cache_uploads_rejected_total',
    help: 'Uploads refused, by reason',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  private readonly evictions = new Counter({ name: 'nx_cache_evictions_total', help: 'Entries evicted by the retention policy', registers: [this.registry] });
  private readonly evictedBytes = new Counter({
    name: 'nx_cache_evicted_bytes_total',
    help: 'Bytes evicted by the retention policy',
    registers: [this.registry],
  });
  private readonly storeBytes = new Gauge({ name: 'nx_cache_store_bytes', help: 'Bytes held by the filesystem store', registers: [this.registry] });

  request(method: string, status: number, seconds: number): void {
    this.requests.inc({ method, status: String(status) });
    this.latency.observe({ method }, seconds);
  }
  hit(bytes: number): void {
    this.hits.inc();
    this.bytesOut.inc(bytes);
  }
  miss(): void {
    this.misses.inc();
  }
  stored(bytes: number): void {
    this.bytesIn.inc(bytes);
  }
  reject(reason: RejectReason): void {
    this.rejected.inc({ reason });
  }
  evicted(bytes: number): void {
    this.evictions.inc();
    this.evictedBytes.inc(bytes);
  }
  storeSize(bytes: number): void {
    this.storeBytes.set(bytes);
  }
}

/** The reject reason of an HTTP status a PUT ended with (null: not a refusal). */
export function rejectReason(status: number, detail: string): RejectReason | null {
  if (status < 400) return null;
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'read-only-token';
  if (status === 409) return 'exists';
  if (status === 413) return 'too-large';
  if (status === 400) return /incomplete/.test(detail) ? 'incomplete' : 'malformed';
  return 'error';
}
