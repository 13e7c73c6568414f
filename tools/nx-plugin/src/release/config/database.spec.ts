import {
  databaseClaim,
  databaseSchema,
  databaseSecret,
  databaseService,
  databaseStatefulSet,
  databaseUrl,
  databaseVolume,
  type StatefulSetDatabase,
} from './database';

const db = databaseSchema.parse({
  kind: 'statefulset',
  image: 'reg/trading-base/postgres:15',
  storage: '1Gi',
  nodePath: '/var/lib/tp/volumes',
  node: 'trading-node',
  store: { endpoint: 'http://198.18.0.2:4443', bucket: 'trading-db-archive' },
}) as StatefulSetDatabase;

describe("an environment's database", () => {
  it('reads a StatefulSet or an external database, and refuses anything else', () => {
    expect(db).toMatchObject({ kind: 'statefulset', secret: 'trading-db' });
    expect(databaseSchema.parse({ kind: 'external', secret: 'cloud-sql' })).toEqual({ kind: 'external', secret: 'cloud-sql', migrationTimeoutSeconds: 300 });
    const store = { endpoint: 'http://198.18.0.2:4443', bucket: 'trading-db-archive' };
    expect(databaseSchema.safeParse({ kind: 'statefulset', image: 'x', storage: 'lots', nodePath: '/v', node: 'n', store }).success).toBe(false);
    // Without object storage for its WAL and backups, refused, named; a bucket name as GCS spells one.
    const noStore = databaseSchema.safeParse({ kind: 'statefulset', image: 'x', storage: '1Gi', nodePath: '/v' });
    expect(noStore.success ? '' : noStore.error.issues[0].path.join('.')).toBe('store');
    expect(databaseSchema.safeParse({ kind: 'statefulset', image: 'x', storage: '1Gi', nodePath: '/v', store: { ...store, bucket: 'Bad Name' } }).success).toBe(
      false,
    );
    expect(databaseSchema.safeParse({ kind: 'sqlite' }).success).toBe(false);
  });

  it('generates a password per environment and the URL the services read, escaped', () => {
    const a = databaseSecret('staging', 'trading-staging', 'trading-db');
    const b = databaseSecret('staging', 'trading-staging', 'trading-db');
    expect(a.stringData?.password).not.toEqual(b.stringData?.password);
    expect(a.stringData?.password).toMatch(/^[\w-]{32}$/);
    expect(databaseUrl('ns', 'p@ss/word')).toBe('postgresql://trading:p%40ss%2Fword@trading-db.ns.svc:5432/trading');
    expect(a.stringData?.url).toBe(databaseUrl('trading-staging', a.stringData!.password));
  });

  it('runs one non-root server on the volume pinned to the node, ready by pg_isready', () => {
    const set = databaseStatefulSet('staging', 'trading-staging', db);
    const pod = set.spec!.template.spec!;
    expect(set.spec!.replicas).toBe(1);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, fsGroup: 65532 });
    expect(pod.containers[0].readinessProbe?.exec?.command?.[0]).toBe('pg_isready');
    expect(pod.containers[0].env).toContainEqual({ name: 'POSTGRES_PASSWORD', valueFrom: { secretKeyRef: { name: 'trading-db', key: 'password' } } });
    const volume = databaseVolume('staging', 'trading-staging', db);
    expect(volume.spec!.hostPath!.path).toBe('/var/lib/tp/volumes/trading-staging/trading-db');
    expect(volume.spec!.claimRef).toEqual({ namespace: 'trading-staging', name: 'trading-db-data' });
    expect(volume.spec!.persistentVolumeReclaimPolicy).toBe('Retain');
    expect(databaseClaim('staging', 'trading-staging', db).spec!.volumeName).toBe(volume.metadata!.name);
    expect(databaseService('staging', 'trading-staging').spec!.ports![0].port).toBe(5432);
    // Closed for a restore: a selector no pod matches, until the restore has moved the sequences on.
    expect(databaseService('staging', 'trading-staging').spec!.selector).toEqual({ 'app.kubernetes.io/name': 'trading-db' });
    expect(databaseService('staging', 'trading-staging', '20261205T120000Z').spec!.selector).toEqual({
      'app.kubernetes.io/name': 'trading-db',
      'trading.dev/closed-for-restore': '20261205T120000Z',
    });
    expect(volume.spec!.nodeAffinity?.required?.nodeSelectorTerms[0].matchExpressions?.[0].values).toEqual(['trading-node']);
    expect(databaseVolume('staging', 'trading-staging', { ...db, node: undefined }).spec!.nodeAffinity).toBeUndefined();
  });

  it('hands the node-created folder to the server with the one root step, CHOWN and FOWNER only', () => {
    const pod = databaseStatefulSet('staging', 'trading-staging', db).spec!.template.spec!;
    const [owner] = pod.initContainers!;
    expect(owner.securityContext).toMatchObject({ runAsUser: 0, capabilities: { drop: ['ALL'], add: ['CHOWN', 'FOWNER'] }, allowPrivilegeEscalation: false });
    expect(owner.command!.join(' ')).toContain('chown 65532:65532 /var/lib/postgresql/data');
    expect(pod.containers.every((c) => c.securityContext?.runAsUser === undefined && c.securityContext?.allowPrivilegeEscalation === false)).toBe(true);
  });
});
