import type * as k8s from '@kubernetes/client-node';
import type { AnalysisRecord, ClusterReader, Release } from '@trading/release-model';
import type { Color } from '../config/manifests';
import type { Observed } from '../plan/planner';
import { ClusterClient, type KubeTarget } from './cluster/client';
import { readHistory, updateHistory } from './cluster/history-store';
import { writeAnalysis } from './cluster/analysis-store';
import { type Lease, acquireLease, readLease } from './cluster/lease';
import { deploymentStatus, observe, podsOf, readDeployment, readerOf, readyEndpoints, readyLivePods, servingEndpoints } from './cluster/observe';
import { applyDeployment, applyReleaseReader, deleteDeployment, ensureNamespace, pointService, recordPhase, scale } from './cluster/writes';
import type { releaseReaderManifests } from '../config/release-reader';
import { ensureDatabase } from './cluster/database-writes';
import { restoreDatabase, takeBackup } from './cluster/database-recovery';
import type { RestoreTarget } from '../config/database-recovery';
import { type MigrationRun, migrationsDone, readMigrationSet, runDownMigrations, runMigrations } from './cluster/migration-writes';
import type { DownPlan } from '../config/down-migrations';
import type { MigrationPlan } from '../config/migrations';
import type { DatabaseConfig, StatefulSetDatabase } from '../config/database';

export { KubeError, type KubeTarget } from './cluster/client';
export { LeaseHeld, LeaseLost, type Lease } from './cluster/lease';

/**
 * The one handle the executors hold on a cluster. Each concern lives in its own module under
 * cluster/: the client and its error messages (client.ts), reading (observe.ts), writing
 * (writes.ts), the release history (history-store.ts) and the deploy lease (lease.ts).
 */
export class Kube {
  constructor(
    private readonly c: ClusterClient,
    /** When set, every write checks first that this run still holds the lease (client-go's renew deadline). */
    private readonly lease?: Lease,
  ) {}

  /** The same cluster, for a run that holds this service's deploy lease: no write once it is lost. */
  holding(lease: Lease): Kube {
    return new Kube(this.c, lease);
  }
  private async guard<T>(write: () => Promise<T>): Promise<T> {
    await this.lease?.verify();
    return write();
  }

  static async connect(target: KubeTarget): Promise<Kube> {
    return new Kube(await ClusterClient.connect(target));
  }

  get target(): KubeTarget {
    return this.c.target;
  }
  get server(): string {
    return this.c.server;
  }
  explain(error: unknown, action: string): Error {
    return this.c.explain(error, action);
  }

  /** The release model's reader over this client (libs/release-model). */
  get reader(): ClusterReader {
    return readerOf(this.c);
  }
  observe = (service: string, now = Date.now()): Promise<Observed> => observe(this.c, service, now);
  readyEndpoints = (service: string): Promise<number> => readyEndpoints(this.c, service);
  servingEndpoints = (service: string, color: Color): Promise<number> => servingEndpoints(this.c, service, color);
  readyLivePods = (service: string, color: Color, release: string): Promise<number> => readyLivePods(this.c, service, color, release);
  deploymentStatus = (name: string) => deploymentStatus(this.c, name);
  readDeployment = (name: string): Promise<k8s.V1Deployment | null> => readDeployment(this.c, name);
  podsOf = (service: string, color: Color): Promise<k8s.V1Pod[]> => podsOf(this.c, service, color);

  ensureNamespace = (): Promise<void> => this.guard(() => ensureNamespace(this.c));
  ensureDatabase = (environment: string, db: DatabaseConfig, timeoutSeconds: number, log: (m: string) => void): Promise<void> =>
    this.guard(() => ensureDatabase(this.c, environment, db, timeoutSeconds, log));
  /** Whether a migration Job of exactly these files completed before. */
  migrationsDone = (service: string, plan: MigrationPlan): Promise<boolean> => migrationsDone(this.c, service, plan);
  /** A base backup into the database's WAL archive (cluster/database-recovery.ts). */
  takeBackup = (environment: string, db: StatefulSetDatabase, backup: string, log: (m: string) => void) =>
    this.guard(() => takeBackup(this.c, environment, db, backup, log));
  /** Point-in-time recovery of the database; the caller holds the leases of the services that use it. */
  restoreDatabase = (
    environment: string,
    db: StatefulSetDatabase,
    target: RestoreTarget,
    request: Date,
    services: string[],
    timeoutSeconds: number,
    log: (m: string) => void,
  ) => this.guard(() => restoreDatabase(this.c, environment, db, target, request, services, timeoutSeconds, log));
  /** The release's expand migrations, by a Job, before its idle colour starts (cluster/migration-writes.ts). */
  runMigrations = (service: string, environment: string, db: DatabaseConfig, plan: MigrationPlan, log: (m: string) => void): Promise<MigrationRun> =>
    this.guard(() => runMigrations(this.c, service, environment, db, plan, log));
  /** The live release's migration files, from its deploy's ConfigMap (a database rollback undoes them). */
  readMigrationSet = (configMap: string) => readMigrationSet(this.c, configMap);
  /** The database half of a rollback: a Job undoing a DownPlan (cluster/migration-writes.ts). */
  runDownMigrations = (service: string, environment: string, db: DatabaseConfig, plan: DownPlan, configMap: string, log: (m: string) => void) =>
    this.guard(() => runDownMigrations(this.c, service, environment, db, plan, configMap, log));
  applyDeployment = (body: k8s.V1Deployment): Promise<void> => this.guard(() => applyDeployment(this.c, body));
  /** The record of the analysis being made, for the Deployments page (analysis-store.ts). */
  writeAnalysis = (service: string, record: AnalysisRecord): Promise<void> => this.guard(() => writeAnalysis(this.c, service, record));
  applyReleaseReader = (objects: ReturnType<typeof releaseReaderManifests>): Promise<void> => this.guard(() => applyReleaseReader(this.c, objects));
  scale = (service: string, color: Color, replicas: number): Promise<void> => this.guard(() => scale(this.c, service, color, replicas));
  pointService = (body: k8s.V1Service, annotations: Record<string, string> = {}): Promise<void> => this.guard(() => pointService(this.c, body, annotations));
  recordPhase = (service: string, release: string, annotations: Record<string, string>): Promise<void> =>
    this.guard(() => recordPhase(this.c, service, release, annotations));
  deleteDeployment = (name: string): Promise<void> => this.guard(() => deleteDeployment(this.c, name));

  readHistory = (service: string): Promise<Release[]> => readHistory(this.c, service);
  updateHistory = (service: string, change: (history: Release[]) => Release[]): Promise<Release[]> =>
    updateHistory(this.c, service, change, () => this.lease?.check());

  acquireLease = (service: string, seconds: number, holder?: string, onWatch?: (message: string) => void, watchPollMs?: number): Promise<Lease> =>
    acquireLease(this.c, service, seconds, holder, onWatch, watchPollMs);
  readLease = (service: string) => readLease(this.c, service);
  /** Takes the deploy lease from a running holder: its writes stop at its next renewal. */
  preemptLease = (service: string, seconds: number): Promise<Lease> => acquireLease(this.c, service, seconds, undefined, undefined, undefined, true);
}
